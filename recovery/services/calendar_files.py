"""A patient's visits: the next one for Today, the list, and "add to my calendar" files.

The calendar file (RFC 5545) is METHOD:PUBLISH for a booked visit and METHOD:CANCEL with
STATUS:CANCELLED for a cancelled one. Its UID is fixed per appointment and its SEQUENCE is the
appointment's revision (bumped by every reschedule and cancel), so a file downloaded again after
a change updates or removes the entry the first one made. Times are written in the clinic's zone
as DTSTART;TZID=... with a matching VTIMEZONE: Google, Apple and Outlook all honour that, whereas
X-WR-TIMEZONE is a non-standard calendar-wide hint that several clients ignore for single events.
The file names the clinic and the kind of visit only: no procedure, level or pain.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy import select

from ..extensions import db
from ..models import Appointment, Patient
from .errors import NotFound

VISIT_KINDS = ("follow_up", "other")  # the 72-hour check is a check-in, not a visit to the clinic


@dataclass(frozen=True)
class Visits:
    upcoming: list[Appointment]  # time still ahead: booked or cancelled, soonest first
    past: list[Appointment]  # time passed (any status), most recent first


def _visits_query(patient: Patient):
    return (
        select(Appointment)
        .where(Appointment.patient_id == patient.id, Appointment.kind.in_(VISIT_KINDS))
        .order_by(Appointment.scheduled_for, Appointment.id)
    )


def next_visit(patient: Patient, now: datetime) -> Appointment | None:
    """The patient's next booked visit, or None when none is booked."""
    stmt = _visits_query(patient).where(
        Appointment.status == "scheduled", Appointment.scheduled_for >= now
    ).limit(1)
    return db.session.scalar(stmt)


def patient_visits(patient: Patient, now: datetime) -> Visits:
    """The patient's visits split into upcoming and past."""
    items = list(db.session.scalars(_visits_query(patient)))
    upcoming = [a for a in items if a.scheduled_for >= now]
    past = [a for a in items if a.scheduled_for < now]
    return Visits(upcoming=upcoming, past=past[::-1])


def patient_visit(patient: Patient, appointment_id: int) -> Appointment:
    """One of this patient's visits; another patient's (or a 72-hour check) is NotFound."""
    appointment = db.session.get(Appointment, appointment_id)
    if appointment is None or appointment.patient_id != patient.id or appointment.kind not in VISIT_KINDS:
        raise NotFound(appointment_id)
    return appointment


def visit_summary(appointment: Appointment, clinic_name: str) -> str:
    """The calendar entry's title: the kind of visit and the clinic, nothing clinical."""
    if appointment.kind == "follow_up":
        return _("Follow-up visit — %(clinic)s", clinic=clinic_name)
    return _("Clinic visit — %(clinic)s", clinic=clinic_name)


def calendar_file(
    appointment: Appointment, now: datetime, *, clinic_name: str, clinic_tz: str, base_url: str,
    minutes: int, language: str = "en",
) -> bytes:
    """The .ics for one visit: PUBLISH while booked, CANCEL once cancelled."""
    cancelled = appointment.status == "cancelled"
    zone = ZoneInfo(clinic_tz)
    start = appointment.scheduled_for.astimezone(zone)
    host = urlsplit(base_url).hostname or "recovery.invalid"
    with force_locale(language):
        summary = visit_summary(appointment, clinic_name)
    cal = Calendar()
    cal.add("prodid", "-//Recovery//Patient visits//EN")
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", f"appointment-{appointment.id}@{host}")
    event.add("sequence", appointment.revision)
    event.add("dtstamp", now)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=minutes))
    event.add("summary", summary)
    event.add("location", clinic_name)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    cal.add_component(event)
    cal.add_missing_timezones()  # the VTIMEZONE that DTSTART's TZID names
    return cal.to_ical()
