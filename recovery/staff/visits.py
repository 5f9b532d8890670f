"""Staff manage a patient's visits: schedule a follow-up, reschedule, cancel, mark completed or missed.

Every change re-plans the patient's reminders at once (in the service); a refused change shows
the patient page again with the message next to the visit, and nothing is written.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..display import local_datetime
from ..extensions import db
from ..models import utcnow
from ..services import appointments, clinic_calendar, enrolment, outbox_view, procedures
from ..services.errors import NotFound, ValidationError
from . import bp, forms


def patient_or_404(patient_id: int):
    """The patient, or a 404 page."""
    try:
        return enrolment.get_patient(patient_id)
    except NotFound:
        abort(404)


def patient_page(
    patient,
    now,
    status=200,
    visit_form=None,
    visit_errors=None,
    change_for=None,
    change_form=None,
    change_errors=None,
):
    """The staff patient page; after a refused change, with its message and the values typed."""
    return render_template(
        "staff/patient.html",
        patient=patient,
        appointments=procedures.patient_appointments(patient),
        account=enrolment.account_status(patient, now),
        sms_consent_options=forms.SMS_CONSENT_OPTIONS + (
            [forms.SMS_CONSENT_OWN] if patient.sms_consent_method == "settings" else []),
        reminders=outbox_view.upcoming_for(patient),
        recent_reminders=outbox_view.recent_for(patient),
        visit_form=visit_form or {},
        visit_errors=visit_errors or {},
        change_for=change_for,
        change_form=change_form or {},
        change_errors=change_errors or {},
        clinic_hours=clinic_calendar.current().describe(),
        clinician_options=[("", _("Not assigned"))] + [(c.id, c.display_name)
                                                        for c in enrolment.clinicians()],
        labels=forms,
    ), status


@bp.route("/patients/<int:patient_id>/appointments", methods=["POST"])
def schedule_visit(patient_id: int):
    """Book a follow-up (or other) visit; its reminders are planned at once."""
    patient = patient_or_404(patient_id)
    now = utcnow()
    try:
        visit = appointments.schedule_follow_up(patient, request.form, current_user, now)
    except ValidationError as error:
        db.session.rollback()
        return patient_page(patient, now, 400, visit_form=request.form, visit_errors=error.errors)
    db.session.commit()
    flash(
        _(
            "%(kind)s booked for %(when)s.",
            kind=forms.APPOINTMENT_KINDS[visit.kind],
            when=local_datetime(visit.scheduled_for),
        )
    )
    return redirect(url_for("staff.patient", patient_id=patient.id, _anchor="appointments"))


@bp.route("/appointments/<int:appointment_id>/reschedule", methods=["POST"])
def reschedule_visit(appointment_id: int):
    """Move a visit; reminders not yet sent move with it."""
    return _change(
        appointment_id,
        lambda visit, now: appointments.reschedule(visit, request.form, current_user, now),
        lambda visit: _(
            "The visit is moved to %(when)s; its reminders moved with it.",
            when=local_datetime(visit.scheduled_for),
        ),
    )


@bp.route("/appointments/<int:appointment_id>/cancel", methods=["POST"])
def cancel_visit(appointment_id: int):
    """Cancel a visit; no more reminders are sent for it."""
    return _change(
        appointment_id,
        lambda visit, now: appointments.cancel(visit, current_user, now),
        lambda visit: _(
            "The visit on %(when)s is cancelled; no more reminders are sent for it.",
            when=local_datetime(visit.scheduled_for),
        ),
    )


@bp.route("/appointments/<int:appointment_id>/mark", methods=["POST"])
def mark_visit(appointment_id: int):
    """Record that a visit took place or was missed."""
    return _change(
        appointment_id,
        lambda visit, now: appointments.mark(visit, request.form.get("status"), current_user, now),
        lambda visit: _(
            "The visit on %(when)s is marked %(status)s.",
            when=local_datetime(visit.scheduled_for),
            status=str(forms.APPOINTMENT_STATUSES[visit.status]).lower(),
        ),
    )


def _change(appointment_id, action, done_message):
    try:
        visit = appointments.get_appointment(appointment_id)
    except NotFound:
        abort(404)
    patient = visit.patient
    now = utcnow()
    try:
        action(visit, now)
    except ValidationError as error:
        db.session.rollback()
        return patient_page(
            patient, now, 400, change_for=appointment_id, change_form=request.form, change_errors=error.errors
        )
    db.session.commit()
    flash(done_message(visit))
    return redirect(url_for("staff.patient", patient_id=patient.id, _anchor="appointments"))
