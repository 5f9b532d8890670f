"""The clinic-hours settings page: the weekly opening hours and the closed dates bookings are
checked against. A bad field is refused beside it, with what was typed kept, and nothing written."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..models import utcnow
from ..services import clinic_calendar
from ..services.errors import ValidationError
from . import bp


@bp.route("/clinic-hours", methods=["GET", "POST"])
def clinic_hours():
    """Show the hours and closed dates; a POST replaces the weekly hours."""
    if request.method == "POST":
        try:
            clinic_calendar.save_week(request.form, current_user, utcnow())
        except ValidationError as error:
            db.session.rollback()
            return _page(week_form=request.form, week_errors=error.errors), 400
        db.session.commit()
        flash(_("The clinic's hours are saved: %(hours)s.", hours=clinic_calendar.current().describe()
                or _("closed every day")))
        return redirect(url_for("staff.clinic_hours"))
    return _page()


@bp.route("/clinic-hours/closed", methods=["POST"])
def add_closed_date():
    """Close the clinic on one date (a holiday, a snow day)."""
    try:
        row = clinic_calendar.add_closed(request.form, current_user, utcnow())
    except ValidationError as error:
        db.session.rollback()
        return _page(closed_form=request.form, closed_errors=error.errors), 400
    db.session.commit()
    flash(_("%(day)s is now a closed date.", day=format_date(row.day, "medium")))
    return redirect(url_for("staff.clinic_hours", _anchor="closed"))


@bp.route("/clinic-hours/closed/remove", methods=["POST"])
def remove_closed_date():
    """Open the clinic again on a date that was closed."""
    try:
        day = clinic_calendar.remove_closed(request.form, current_user, utcnow())
    except ValidationError as error:
        db.session.rollback()
        return _page(remove_errors=error.errors), 400
    db.session.commit()
    flash(_("%(day)s is no longer a closed date.", day=format_date(day, "medium")))
    return redirect(url_for("staff.clinic_hours", _anchor="closed"))


def _page(week_form=None, week_errors=None, closed_form=None, closed_errors=None, remove_errors=None):
    calendar = clinic_calendar.current()
    return render_template(
        "staff/clinic_hours.html",
        calendar=calendar,
        week_form=week_form or clinic_calendar.week_form(calendar),
        week_errors=week_errors or {},
        closed_form=closed_form or {},
        closed_errors=closed_errors or {},
        remove_errors=remove_errors or {},
        weekday_fields=list(zip(clinic_calendar.WEEKDAY_FIELDS, _weekday_names(), strict=True)),
    )


def _weekday_names() -> list[str]:
    from babel.dates import get_day_names

    names = get_day_names("wide", locale="en")
    return [names[day] for day in range(7)]
