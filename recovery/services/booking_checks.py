"""What is wrong with a visit's time: outside the clinic's hours, on a closed date, or overlapping
another visit of the same clinician (or of the same patient).

Each problem is a sentence staff read beside the time; services/appointments.py refuses the
booking unless they tick the override and give a reason, which the audit log keeps. 72-hour
checks are the system's (they follow the procedure time and are settled by the patient's check-in):
they are never checked and never count as an overlap.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Appointment, Patient, User
from . import clinic_calendar
from .clinic_hours import clock, within

# The clinician a visit is with: its own (the patient's assigned clinician unless staff chose another).
VISIT_CLINICIAN = Appointment.clinician_id

KIND_WORDS = {"check_72h": _l("72-hour check"), "follow_up": _l("follow-up"), "other": _l("visit")}


def visit_minutes() -> timedelta:
    """How long a visit lasts (VISIT_MINUTES)."""
    return timedelta(minutes=current_app.config["VISIT_MINUTES"])


def problems(when: datetime, clinician_id: int | None, patient_id: int,
             exclude_id: int | None = None) -> list[str]:
    """Every problem with a visit of VISIT_MINUTES starting at `when` (UTC), as sentences; [] if none."""
    zone = ZoneInfo(current_app.config["CLINIC_TIMEZONE"])
    return _calendar_problems(when, zone) + _overlaps(when, clinician_id, patient_id, exclude_id, zone)


def _calendar_problems(when: datetime, zone: ZoneInfo) -> list[str]:
    calendar = clinic_calendar.current()
    start = when.astimezone(zone)
    end = (when + visit_minutes()).astimezone(zone)  # wall clock, after any DST change
    day = start.date()
    if day in calendar.closed:
        note = calendar.closed[day]
        named = format_date(day, "d MMM y", locale="en")
        if note:
            return [str(_l("%(day)s is a closed date (%(note)s).", day=named, note=note))]
        return [str(_l("%(day)s is a closed date.", day=named))]
    hours = calendar.describe() or str(_l("closed every day"))
    weekday = format_date(day, "EEEE", locale="en")
    if not calendar.week.get(day.weekday()):
        return [str(_l("%(weekday)s is outside the clinic's hours (%(hours)s).",
                       weekday=weekday, hours=hours))]
    start_minute = start.hour * 60 + start.minute
    end_minute = 24 * 60 if end.date() > day else end.hour * 60 + end.minute
    if not within(calendar.week, day.weekday(), start_minute, end_minute):
        return [str(_l("%(start)s–%(end)s on %(weekday)s is outside the clinic's hours (%(hours)s).",
                       start=clock(start_minute), end=clock(end_minute % (24 * 60)), weekday=weekday,
                       hours=hours))]
    return []


def _overlaps(when: datetime, clinician_id: int | None, patient_id: int, exclude_id: int | None,
              zone: ZoneInfo) -> list[str]:
    length = visit_minutes()
    patient_user, clinician = aliased(User), aliased(User)
    same = Appointment.patient_id == patient_id
    if clinician_id is not None:
        same = or_(same, VISIT_CLINICIAN == clinician_id)
    stmt = (
        select(Appointment.scheduled_for, Appointment.kind, patient_user.display_name, clinician.display_name)
        .join(Patient, Patient.id == Appointment.patient_id)
        .join(patient_user, patient_user.id == Patient.user_id)
        .outerjoin(clinician, clinician.id == VISIT_CLINICIAN)
        .where(
            Appointment.status == "scheduled",
            Appointment.kind != "check_72h",
            Appointment.scheduled_for > when - length,
            Appointment.scheduled_for < when + length,
            same,
        )
        .order_by(Appointment.scheduled_for, Appointment.id)
    )
    if exclude_id is not None:
        stmt = stmt.where(and_(Appointment.id != exclude_id))
    found = []
    for start, kind, patient_name, clinician_name in db.session.execute(stmt):
        local_start, local_end = start.astimezone(zone), (start + length).astimezone(zone)
        span = f"{local_start:%H:%M}–{local_end:%H:%M}"
        words = {"patient": patient_name, "kind": KIND_WORDS[kind], "span": span}
        if clinician_name:
            found.append(str(_l("The visit overlaps %(patient)s's %(kind)s %(span)s with %(clinician)s.",
                                clinician=clinician_name, **words)))
        else:
            found.append(str(_l("The visit overlaps %(patient)s's %(kind)s %(span)s.", **words)))
    return found
