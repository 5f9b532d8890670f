"""The clinic's calendar in the database: seeded once from the config, then edited by staff.

Until it is seeded (`init-db` does it, and so does the first change on the settings page) the
config's CLINIC_HOURS and CLINIC_CLOSED are the calendar, so reading never writes. After that
the tables rule and the config is not read again.
"""

from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import ClinicCalendar, ClosedDate, OpeningHours, User
from . import audit
from .clinic_hours import DAY_NAMES, HoursError, Week, clock, describe, parse_day, parse_ranges
from .validate import Fields

WEEKDAY_FIELDS = tuple(f"hours_{day}" for day in range(7))  # the settings form: one field a weekday


@dataclass(frozen=True)
class Calendar:
    """The week's opening hours and the closed dates (with their notes), as they stand."""

    week: Week
    closed: dict[date, str | None]
    seeded: bool

    def describe(self, day_names=DAY_NAMES) -> str:
        """"Mon–Fri 08:00–17:00" (see clinic_hours.describe)."""
        return describe(self.week, day_names)


def current() -> Calendar:
    """The calendar from the tables once seeded, else from the config (nothing is written)."""
    if db.session.get(ClinicCalendar, 1) is None:
        config = current_app.config
        return Calendar(config["CLINIC_WEEK"], dict.fromkeys(config["CLINIC_CLOSED_DATES"]), seeded=False)
    week: Week = {}
    rows = select(OpeningHours).order_by(OpeningHours.weekday, OpeningHours.opens_minute)
    for row in db.session.scalars(rows):
        week.setdefault(row.weekday, []).append((row.opens_minute, row.closes_minute))
    closed = {row.day: row.note for row in db.session.scalars(select(ClosedDate).order_by(ClosedDate.day))}
    return Calendar(week, closed, seeded=True)


def seed(now: datetime) -> bool:
    """Copy CLINIC_HOURS and CLINIC_CLOSED into the tables unless that was done before; True if
    it was done now. Two processes seeding at once: the one-row table lets one win."""
    if db.session.get(ClinicCalendar, 1) is not None:
        return False
    config = current_app.config
    try:
        with db.session.begin_nested():
            db.session.add(ClinicCalendar(id=1, seeded_at=now))
            db.session.flush()
            _write_week(config["CLINIC_WEEK"])
            for day in config["CLINIC_CLOSED_DATES"]:
                db.session.add(ClosedDate(day=day, added_at=now))
    except IntegrityError:
        return False  # another process seeded first: its rows stand
    db.session.flush()
    return True


def _write_week(week: Week) -> None:
    db.session.execute(delete(OpeningHours))
    for day, ranges in week.items():
        for opens, closes in ranges:
            db.session.add(OpeningHours(weekday=day, opens_minute=opens, closes_minute=closes))
    db.session.flush()


def week_form(calendar: Calendar) -> dict[str, str]:
    """The settings form's values: "08:00-12:00, 13:00-17:00" per weekday field ("" closed)."""
    return {
        field: ", ".join(f"{clock(a)}-{clock(b)}" for a, b in calendar.week.get(day, []))
        for day, field in enumerate(WEEKDAY_FIELDS)
    }


def save_week(data, actor: User, now: datetime) -> Week:
    """Replace the weekly hours with the form's; every bad field is refused and nothing written."""
    fields = Fields(data)
    week: Week = {}
    for day, name in enumerate(WEEKDAY_FIELDS):
        text = fields.raw(name)
        if not isinstance(text, str):  # a form sends every day, "" when closed: a missing day is a mistake
            fields.fail(name, _l("Enter this day's hours, or leave it empty when the clinic is closed."))
            continue
        try:
            ranges = parse_ranges((text or "")[:200])
        except HoursError as error:
            fields.fail(name, error.message)
            continue
        if ranges:
            week[day] = ranges
    fields.done()
    seed(now)
    _write_week(week)
    _changed(actor, now, "clinic.hours", describe(week) or "closed every day")
    return week


def add_closed(data, actor: User, now: datetime) -> ClosedDate:
    """Add one closed date (a snow day) with an optional note; refused by the field if malformed."""
    fields = Fields(data)
    day = _day_field(fields)
    note = fields.text("note", 120)
    if day is not None and not fields.errors:
        seed(now)
        if db.session.scalar(select(ClosedDate.id).where(ClosedDate.day == day)) is not None:
            fields.fail("day", _l("%(day)s is already a closed date.", day=day.isoformat()))
    fields.done()
    row = ClosedDate(day=day, note=note, added_at=now, added_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    _changed(actor, now, "clinic.closed_add", day.isoformat() + (f": {note}" if note else ""))
    return row


def remove_closed(data, actor: User, now: datetime) -> date:
    """Open the clinic again on a closed date (the form's "day"); refused if it is not one."""
    fields = Fields(data)
    day = _day_field(fields)
    row = None
    if day is not None:
        seed(now)
        row = db.session.scalar(select(ClosedDate).where(ClosedDate.day == day))
        if row is None:
            fields.fail("day", _l("%(day)s is not a closed date.", day=day.isoformat()))
    fields.done()
    db.session.delete(row)
    db.session.flush()
    _changed(actor, now, "clinic.closed_remove", day.isoformat())
    return day


def _day_field(fields: Fields) -> date | None:
    text = fields.raw("day")
    if not text:
        fields.fail("day", _l("Please enter a date (YYYY-MM-DD)."))
        return None
    try:
        return parse_day(str(text))
    except HoursError as error:
        fields.fail("day", error.message)
        return None


def _changed(actor: User, now: datetime, action: str, detail: str) -> None:
    calendar = db.session.get(ClinicCalendar, 1)
    calendar.changed_at, calendar.changed_by_id = now, actor.id
    audit.record(actor, action, None, now, detail=detail)


def day_names() -> tuple[str, ...]:
    """Seven short day names, Monday first, in the viewer's language ("Mon" / "lun")."""
    from babel.dates import get_day_names

    names = get_day_names("abbreviated", locale=get_locale() or "en")
    return tuple(str(names[day]).rstrip(".") for day in range(7))
