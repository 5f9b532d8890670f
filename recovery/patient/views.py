"""Patient pages: today's check-in, history, what to expect, messages and settings."""

from datetime import datetime

from babel.dates import format_skeleton
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, format_time, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from .. import checkin_form, unsaved
from ..checkin_form import not_saved_page, urgent_page
from ..display import to_local
from ..extensions import db
from ..models import utcnow
from ..services import calendar_files, checkins, clinic_calendar, inbox, preferences, questionnaires
from ..services.errors import NotFound, ValidationError
from ..services.guidance import today_notice
from . import bp, forms, progress


@bp.context_processor
def _helpers():
    return {"when": when, "unread_messages": unread_messages}


def unread_messages() -> int:
    """The unread count for the navigation: one COUNT query, run only by pages that show it."""
    patient = getattr(current_user, "patient", None)  # None for anonymous users and other roles
    return inbox.unread_count(patient) if patient is not None else 0


def when(value: datetime) -> str:
    """A UTC time as a short day and time in the patient's zone, e.g. "Wed, Nov 25, 9:30 PM CST"."""
    patient = current_user.patient
    local = to_local(value, patient.timezone if patient else None)
    day = format_skeleton("MMMEd", local, locale=get_locale())
    clock = f"{format_time(local.replace(tzinfo=None), 'short')} {local.tzname()}"
    return _("%(day)s, %(time)s", day=day, time=clock)


@bp.route("/")
def home():
    now = utcnow()
    patient = current_user.patient
    summary = progress.summarise(patient, now)
    visit = calendar_files.next_visit(patient, now) if patient is not None else None
    notice = today_notice(patient, now) if patient is not None else None
    # The hours the notice names are the ones staff keep on the settings page, in the patient's language.
    hours = clinic_calendar.current().describe(clinic_calendar.day_names()) if notice else None
    opened = questionnaires.open_now(patient, now) if patient is not None else None
    return render_template("patient/home.html", s=summary, chart=progress.chart(summary),
                           pain_sentence=progress.pain_sentence(summary), next_visit=visit,
                           back=progress.back_scores(patient),
                           notice=notice, clinic_hours=hours, questionnaires_open=opened,
                           instruments=questionnaires.catalogue(),
                           **checkin_form.choices())


@bp.route("/appointments")
def appointments():
    """The patient's upcoming and past visits, each upcoming one with a calendar file."""
    patient = current_user.patient
    visits = calendar_files.patient_visits(patient, utcnow()) if patient is not None else None
    return render_template("patient/appointments.html", visits=visits)


@bp.route("/appointments/<int:appointment_id>.ics")
def appointment_ics(appointment_id: int):
    """The visit as an iCalendar file; another patient's visit looks like an unknown one."""
    patient = current_user.patient
    if patient is None:
        abort(404)
    try:
        appointment = calendar_files.patient_visit(patient, appointment_id)
    except NotFound:
        abort(404)
    config = current_app.config
    body = calendar_files.calendar_file(
        appointment, utcnow(), clinic_name=config["CLINIC_NAME"], clinic_tz=config["CLINIC_TIMEZONE"],
        base_url=config["BASE_URL"], minutes=config["VISIT_MINUTES"], language=patient.preferred_language,
    )
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="visit-{appointment.id}.ics"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/checkin", methods=["GET", "POST"])
def checkin():
    patient = current_user.patient
    now = utcnow()
    if request.method == "GET":
        today = progress.todays_checkin(patient, now)
        return _checkin_form(patient, today, checkin_form.prefill(today), checkin_form.still_missing(today),
                             unfinished=today is not None and not today.complete)
    if patient is None:  # an account whose patient record is not set up yet
        errors = {"form": _("Your record is not set up yet.")}
        return _checkin_form(None, None, request.form, errors, 400)
    try:
        result = checkins.save_checkin(patient, request.form, now)
    except ValidationError as error:
        db.session.rollback()  # nothing of a refused check-in is kept
        today = progress.todays_checkin(patient, now)
        return _checkin_form(patient, today, request.form, error.errors, 400)
    # Worded before the commit, which expires the signed-in user the locale is read from.
    if result.created:
        thanks = _("Thank you. Your check-in for today is saved.")
    else:
        thanks = _("Thank you. Today's check-in is updated.")
    db.session.commit()
    if result.red_flags:  # the only case that loads the saved row again (to show it)
        return urgent_page(result, request.form, url_for("patient.checkin"))
    flash(thanks)
    return redirect(url_for("patient.home"))


@unsaved.page("patient.checkin")
def checkin_not_saved(answers):
    """The database failed (full, read-only, down): the guidance for the answers sent, and the
    form again with them, without reading the database (recovery/unsaved.py)."""
    return not_saved_page(answers, url_for("patient.checkin"))


def _checkin_form(patient, today, values, errors, status=200, unfinished=False):
    return render_template(
        "patient/checkin.html", patient=patient, today=today, values=values, errors=errors,
        unfinished=unfinished, **checkin_form.choices(),
    ), status


# A questionnaire's fields are named "item-<linkId>", so no linkId can clash with csrf_token.
ITEM_FIELD = "item-"


@bp.route("/questionnaires/<key>", methods=["GET", "POST"])
def questionnaire(key: str):
    """An outcome questionnaire open at this time point: the form, and saving the answers."""
    patient = current_user.patient
    now = utcnow()
    try:
        definition = questionnaires.instrument(key)
    except NotFound:
        abort(404)
    opened = questionnaires.open_now(patient, now) if patient is not None else None
    if opened is not None and key not in opened.point.instruments:
        opened = None
    response = questionnaires.current_response(patient, opened.point, key) if opened else None
    if request.method == "GET":
        return _questionnaire_form(definition, opened, response, _prefill(response), {})
    if patient is None:
        return _questionnaire_form(definition, None, None, request.form,
                                   {"form": _("Your record is not set up yet.")}, 400)
    sent = {name[len(ITEM_FIELD):]: request.form.getlist(name) for name in request.form
            if name.startswith(ITEM_FIELD)}
    try:
        saved = questionnaires.submit(patient, key, sent, now)
    except ValidationError as error:
        db.session.rollback()  # nothing of a refused questionnaire is kept
        errors = {name if name == "form" else ITEM_FIELD + name: message
                  for name, message in error.errors.items()}
        return _questionnaire_form(definition, opened, response, request.form, errors, 400)
    # Worded before the commit, which expires the signed-in user the locale is read from.
    thanks = _("Thank you. Your answers are saved.") if saved.created else _(
        "Thank you. Your answers are updated.")
    db.session.commit()
    flash(thanks)
    return redirect(url_for("patient.home"))


def _prefill(response) -> dict[str, str]:
    """A stored response's answers as the values its form posts."""
    if response is None:
        return {}
    return {ITEM_FIELD + link: "yes" if value is True else str(value)
            for link, value in response.answers.items()}


def _questionnaire_form(definition, opened, response, values, errors, status=200):
    return render_template("patient/questionnaire.html", instrument=definition, opened=opened,
                           response=response, values=values, errors=errors, item_field=ITEM_FIELD,
                           in_english=definition.language != str(get_locale())), status


@bp.route("/history")
def history():
    patient = current_user.patient
    items = checkins.patient_checkins(patient) if patient is not None else []
    return render_template("patient/history.html", checkins=items, **checkin_form.choices())


@bp.route("/checkins/<int:checkin_id>")
def checkin_detail(checkin_id: int):
    patient = current_user.patient
    if patient is None:
        abort(404)
    try:
        item = checkins.patient_checkin(patient, checkin_id)
    except NotFound:
        abort(404)
    return render_template("patient/checkin_detail.html", checkin=item, patient=patient,
                           **checkin_form.choices())


@bp.route("/expect")
def expect():
    return render_template("patient/expect.html")


@bp.route("/inbox", endpoint="inbox")
def messages():
    """The patient's in-app reminders, newest first; opening the page marks them read."""
    patient = current_user.patient
    items = inbox.inbox(patient) if patient is not None else []
    unread = [m.id for m in items if m.unread]
    if unread:  # only what this page shows: a message sent meanwhile stays new
        inbox.mark_read(patient, utcnow(), ids=unread)
        db.session.commit()
    return render_template("patient/inbox.html", messages=items, patient=patient)


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    """The patient's reminder preferences: prefilled form, checked on save, reminders re-planned."""
    patient = current_user.patient
    if request.method == "GET":
        values = preferences.current_values(patient) if patient is not None else {}
        return _settings_form(patient, values, {})
    if patient is None:
        return _settings_form(None, request.form, {"form": _("Your record is not set up yet.")}, 400)
    try:
        preferences.update_preferences(patient, request.form, utcnow())
    except ValidationError as error:
        db.session.rollback()
        return _settings_form(patient, request.form, error.errors, 400)
    db.session.commit()
    with force_locale(patient.preferred_language):  # thank them in the language they just chose
        flash(_("Your settings are saved."))
    return redirect(url_for("patient.settings"))


def _settings_form(patient, values, errors, status=200):
    current_zone = patient.timezone if patient is not None else None
    return render_template(
        "patient/settings.html", patient=patient, values=values, errors=errors,
        **forms.settings_choices(current_zone),
    ), status
