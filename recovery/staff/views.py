"""Staff pages: enrol patients, the patient page, procedures, links, phone check-ins, discharge.

Staff see contact and scheduling data; clinical answers stay on the clinician pages, except
the phone check-in a staff member is typing in. Visits live in visits.py, the work lists
(calls to make, the reminder outbox) in tasks.py, the audit page in audit_log.py; this module
imports them all, so importing it registers every staff route.
"""

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, get_babel
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from .. import short_codes, unsaved, vocabulary
from ..extensions import db
from ..models import LEVELS, RED_FLAGS, utcnow
from ..services import audit, enrolment, procedures
from ..services.alerts import EMERGENCY_FLAGS, FLAG_LABELS
from ..services.checkins import (
    WALKING_LEVELS,
    form_answers,
    local_today,
    patient_checkins,
    reported_flags,
    save_checkin,
)
from ..services.errors import NotFound, ValidationError
from ..services.validate import TRUE
from ..urls import external_url
from . import agenda, audit_log, bp, clinic_hours, forms, tasks, visits
from .visits import patient_or_404

# What to tell the patient (shared CLINICAL.md): chest symptoms call 911 (EMERGENCY_FLAGS);
# new neurological signs call the clinic now; infection or calf signs call the clinic today.
CALL_CLINIC_NOW = ("flag_neuro",)

# The other modules' routes join the blueprint on import.
__all__ = ["agenda", "audit_log", "bp", "clinic_hours", "tasks", "visits"]


@bp.route("/patients/new", methods=["GET", "POST"])
def enrol():
    """Enrol a patient; on success show their one-time set-password link and letter."""
    if request.method == "POST":
        try:
            patient, token = enrolment.enrol_patient(request.form, current_user, utcnow())
        except ValidationError as error:
            db.session.rollback()
            return _enrol_form(request.form, error.errors), 400
        db.session.commit()
        return _link_page(patient, token, enrolled=True)
    defaults = MultiDict({"timezone": current_app.config["CLINIC_TIMEZONE"], "preferred_language": "en"})
    return _enrol_form(defaults, {})


def _enrol_form(form, errors):
    clinicians = [("", _("Not assigned yet"))]
    clinicians += [(user.id, user.display_name) for user in enrolment.clinicians()]
    return render_template(
        "staff/enrol.html",
        form=form,
        errors=errors,
        clinicians=clinicians,
        languages=forms.LANGUAGES,
        timezones=vocabulary.timezone_options(form.get("timezone")),
        sms_consent_options=forms.SMS_CONSENT_OPTIONS,
    )


@bp.route("/patients/<int:patient_id>")
def patient(patient_id: int):
    """A patient's contact data, procedures, appointments and account (the view is audited)."""
    patient = patient_or_404(patient_id)
    now = utcnow()
    audit.record(current_user, "patient.view", patient, now)
    db.session.commit()
    return visits.patient_page(patient, now)


@bp.route("/patients/<int:patient_id>/procedures/new", methods=["GET", "POST"])
def procedure_new(patient_id: int):
    """Record a procedure; its 72-hour check is scheduled with it."""
    patient = patient_or_404(patient_id)
    if request.method == "POST":
        try:
            procedure = procedures.record_procedure(
                patient, forms.procedure_data(request.form), current_user, utcnow()
            )
        except ValidationError as error:
            db.session.rollback()
            return _procedure_form(patient, None, request.form, error.errors), 400
        db.session.commit()
        flash(_("Procedure recorded. The 72-hour check is scheduled."))
        return redirect(url_for("staff.patient", patient_id=procedure.patient_id))
    return _procedure_form(patient, None, MultiDict({"cement_leakage": "no"}), {})


@bp.route("/procedures/<int:procedure_id>/edit", methods=["GET", "POST"])
def procedure_edit(procedure_id: int):
    """Correct a procedure; a new time moves its 72-hour check."""
    try:
        procedure = procedures.get_procedure(procedure_id)
    except NotFound:
        abort(404)
    if request.method == "POST":
        try:
            procedures.correct_procedure(
                procedure, forms.procedure_data(request.form), current_user, utcnow()
            )
        except ValidationError as error:
            db.session.rollback()
            return _procedure_form(procedure.patient, procedure, request.form, error.errors), 400
        db.session.commit()
        flash(_("Procedure corrected."))
        return redirect(url_for("staff.patient", patient_id=procedure.patient_id))
    audit.record(current_user, "procedure.view", procedure.patient)
    db.session.commit()
    form = forms.procedure_form(procedure, current_app.config["CLINIC_TIMEZONE"])
    return _procedure_form(procedure.patient, procedure, form, {})


def _procedure_form(patient, procedure, form, errors):
    return render_template(
        "staff/procedure_form.html",
        patient=patient,
        procedure=procedure,
        form=form,
        errors=errors,
        levels=LEVELS,
        labels=forms,
    )


@bp.route("/patients/<int:patient_id>/link", methods=["POST"])
def issue_link(patient_id: int):
    """Issue a fresh invite or password-reset link (older ones stop working) and its letter."""
    patient = patient_or_404(patient_id)
    token = enrolment.issue_link(patient, current_user, utcnow())
    db.session.commit()
    return _link_page(patient, token, enrolled=False)


def _link_page(patient, token: str, enrolled: bool):
    link = external_url("auth.set_password", token=token)  # on BASE_URL, whatever Host came in
    expires_at = enrolment.open_link(patient.user, utcnow()).expires_at
    code = short_codes.grouped(short_codes.code_for(token))
    start = external_url("auth.start")
    context = {"patient": patient, "link": link, "expires_at": expires_at, "code": code, "start": start}
    with force_locale(_letter_locale(patient)):
        # segno's SVG: numbers and fixed markup only, and the escaped title (nosec as below)
        context["qr"] = Markup(short_codes.qr_svg(link, str(_("QR code: opens your set-password page"))))  # noqa: S704  # nosec
        # render_template's output is already escaped HTML, so marking it safe adds nothing unsafe
        # (bandit B704 accepted for this reason).
        letter = Markup(render_template("staff/_letter.html", **context))  # noqa: S704  # nosec
    response = make_response(render_template("staff/link.html", letter=letter, enrolled=enrolled, **context))
    response.headers["Cache-Control"] = "no-store"  # the link is shown once; keep it out of caches
    return response


def _letter_locale(patient) -> str:
    """The patient's language when it has translations, else English (never a mixed letter)."""
    available = {str(locale) for locale in get_babel().instance.list_translations()}
    return patient.preferred_language if patient.preferred_language in available else "en"


@bp.route("/patients/<int:patient_id>/checkin", methods=["GET", "POST"])
def phone_checkin(patient_id: int):
    """Enter today's check-in taken by phone; red flags show what to tell the patient."""
    patient = patient_or_404(patient_id)
    now = utcnow()
    if request.method == "POST":
        try:
            result = save_checkin(patient, request.form, now, entered_by=current_user)
        except ValidationError as error:
            db.session.rollback()
            return _checkin_form(patient, request.form, error.errors, now), 400
        audit.record(current_user, "checkin.phone_entry", patient, now)
        db.session.commit()
        if not result.complete:  # a red flag saved with answers missing: ask the rest, save again
            kept = MultiDict(form_answers(result.checkin, request.form))
            return _checkin_form(patient, kept, result.errors, now, saved=result)
        return render_template(
            "staff/checkin_saved.html", patient=patient, result=result, **_guidance(result.red_flags)
        )
    return _checkin_form(patient, MultiDict(), {}, now)


@unsaved.page("staff.phone_checkin")
def phone_checkin_not_saved(answers):
    """The database failed: say so plainly, with the advice to read out for the red flags heard,
    and the answers to send again (no database access: recovery/unsaved.py)."""
    kept = [(name, value) for name, value in answers.items() if name != "csrf_token"]
    return render_template(
        "staff/checkin_not_saved.html", patient_id=request.view_args["patient_id"], answers=kept,
        **_guidance(reported_flags(answers)),
    ), 503


def _guidance(flags: list[str]) -> dict:
    return {
        "flags": [FLAG_LABELS[flag] for flag in flags],
        "emergency": any(flag in EMERGENCY_FLAGS for flag in flags),
        "call_now": any(flag in CALL_CLINIC_NOW for flag in flags),
    }


def _checkin_form(patient, form, errors, now, saved=None):
    # A red flag heard on the phone needs guidance now, even if another answer is still wrong.
    reported = [flag for flag in RED_FLAGS if str(form.get(flag, "")).strip().lower() in TRUE]
    if saved is not None:
        reported = saved.red_flags
    today = local_today(patient, now)
    latest = patient_checkins(patient)[:1]
    return render_template(
        "staff/checkin.html",
        patient=patient,
        form=form,
        errors=errors,
        today=today,
        has_todays=bool(latest) and latest[0].local_date == today,
        walking_levels=WALKING_LEVELS,
        flag_labels=FLAG_LABELS,
        saved=saved,
        **_guidance(reported),
        medication=forms.MEDICATION,
    )


@bp.route("/patients/<int:patient_id>/texts", methods=["POST"])
def texts(patient_id: int):
    """Set the patient's mobile number and consent to texts (a pause for a failing number ends)."""
    return _contact_form(patient_id, enrolment.update_texts, _("Texts for %(name)s are updated."), "texts")


@bp.route("/patients/<int:patient_id>/email", methods=["POST"])
def email(patient_id: int):
    """Save the patient's e-mail address (a pause for a bouncing address ends)."""
    return _contact_form(patient_id, enrolment.update_email, _("The e-mail address of %(name)s is updated."),
                         "email")


def _contact_form(patient_id: int, update, done: str, section: str):
    """Save one of the patient's contact forms with `update` (a service), then back to its
    section of the patient's page: refused with its messages and nothing written, or `done`."""
    patient = patient_or_404(patient_id)
    try:
        update(patient, request.form, current_user, utcnow())
    except ValidationError as error:
        db.session.rollback()
        for message in error.errors.values():
            flash(message)
    else:
        db.session.commit()
        flash(done % {"name": patient.name})
    return redirect(url_for("staff.patient", patient_id=patient_id) + f"#{section}")


@bp.route("/patients/<int:patient_id>/discharge", methods=["POST"])
def discharge(patient_id: int):
    """Discharge a patient from follow-up; their history stays."""
    patient = patient_or_404(patient_id)
    try:
        enrolment.discharge_patient(patient, current_user, utcnow())
    except ValidationError as error:
        db.session.rollback()
        flash(next(iter(error.errors.values())))
    else:
        db.session.commit()
        flash(_("%(name)s is discharged from follow-up. Check-ins are closed.", name=patient.name))
    return redirect(url_for("staff.patient", patient_id=patient_id))
