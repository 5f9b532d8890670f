"""The staff agenda: a day or week of visits in clinic time, and marking a visit completed or a no-show."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..display import local_datetime
from ..extensions import db
from ..models import utcnow
from ..services import agenda as agendas
from ..services import appointments
from ..services.errors import NotFound, ValidationError
from . import bp, forms


@bp.route("/agenda")
def agenda():
    """Every visit of a clinic day, or a week's days in counts, filtered by kind and clinician; bad
    filters: 400."""
    return _page(request.args)


@bp.route("/agenda/visits/<int:appointment_id>/mark", methods=["POST"])
def agenda_mark(appointment_id: int):
    """Mark a follow-up or other visit completed or a no-show (which makes a call task)."""
    try:
        visit = appointments.get_appointment(appointment_id)
    except NotFound:
        abort(404)
    status = request.form.get("status")
    try:
        appointments.mark(visit, status, current_user, utcnow())
    except ValidationError as error:
        db.session.rollback()
        return _page(request.form, marking=appointment_id, mark_errors=error.errors)
    db.session.commit()
    when = local_datetime(visit.scheduled_for)
    if status == "missed":
        flash(_("%(name)s did not come on %(when)s: a call to rebook is on the staff home page, and no "
                "more reminders go out for that visit.", name=visit.patient.name, when=when))
    else:
        flash(_("%(name)s's visit on %(when)s is marked completed.", name=visit.patient.name, when=when))
    return redirect(url_for("staff.agenda", **_back(request.form), _anchor=f"visit-{visit.id}"))


def _page(args, marking=None, mark_errors=None):
    now = utcnow()
    tz = current_app.config["CLINIC_TIMEZONE"]
    today = agendas.clinic_today(now, tz)
    clinicians = agendas.clinicians()
    try:
        filters = agendas.parse_filters(args, today, clinicians)
    except ValidationError as error:
        return _render(None, clinicians, args, error.errors, today), 400
    if filters.view == "week":  # the week in counts, each day linking to its visits
        listing = agendas.week(filters, now, tz)
    else:
        listing = agendas.agenda(filters, now, tz)
    status = 400 if mark_errors else 200
    return _render(listing, clinicians, args, {}, today, marking, mark_errors or {}), status


def _render(listing, clinicians, args, errors, today, marking=None, mark_errors=None):
    return render_template(
        "staff/agenda.html", listing=listing, clinician_options=_clinician_options(clinicians), values=args,
        errors=errors, today=today, marking=marking, mark_errors=mark_errors or {}, labels=forms,
        views={"day": _("Day"), "week": _("Week")}, reminder_labels=forms.AGENDA_REMINDERS,
        reminder_states=forms.AGENDA_REMINDER_STATES,
    )


def _clinician_options(clinicians) -> list[tuple]:
    return [("all", _("All clinicians")), ("none", _("No clinician"))] + [
        (c.id, c.name if c.active else _("%(name)s (no longer active)", name=c.name)) for c in clinicians]


def _back(form) -> dict:
    """The filters the agenda was showing, to return to (the form carries them as hidden fields)."""
    return {key: form.get(key) for key in ("view", "date", "kind", "clinician") if form.get(key)}
