"""The agenda: every visit of a clinic day or week, with who, where to call and which reminders went out.

Days are the clinic's calendar days (CLINIC_TIMEZONE), so a week across a DST change still runs
Monday 00:00 to the next Monday 00:00 on the clinic's wall clock. A day costs three statements
whatever the number of visits: the clinicians (for the filter), the visits, and their reminders.
The week view is the week's days in counts (kinds, statuses, first and last time), each linking
to its day: a front desk plans the week by load and works the day by visit, and a busy clinic's
week (hundreds of visits) stays one screen.
"""

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import APPOINTMENT_KINDS, Appointment, Patient, Reminder, User
from ..models.procedures import APPOINTMENT_STATUSES
from .validate import Fields, record_id

VIEWS = ("day", "week")
# The reminders a visit has, in the order they go out (the escalation is a call task, not a reminder).
VISIT_REMINDERS = ("check_72h", "check_72h_repeat", "follow_up_before", "follow_up_morning", "visit_summary")
# When one reminder went out on several channels, the one that says most about it.
_RANK = {"sent": 0, "sending": 1, "pending": 2, "failed": 3, "cancelled": 4}


@dataclass(frozen=True)
class Clinician:
    id: int
    name: str
    active: bool


@dataclass(frozen=True)
class Filters:
    """Validated filters: a day or the week around `day`; kind and clinician None mean any
    (clinician "none": visits with no clinician)."""

    view: str
    day: date
    kind: str | None = None
    clinician: int | str | None = None

    def args(self, **changes) -> dict:
        """These filters as URL parameters, with `changes` applied (for the links that move)."""
        values = {"view": self.view, "date": self.day.isoformat(), "kind": self.kind or "all",
                  "clinician": self.clinician or "all", **changes}
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items()}


@dataclass(frozen=True)
class ReminderState:
    """One reminder about a visit and how far it got (over all its channels)."""

    kind: str
    status: str
    due_at: datetime
    sent_at: datetime | None

    @property
    def went_out(self) -> bool:
        return self.status == "sent"


@dataclass(frozen=True)
class Visit:
    id: int
    kind: str
    status: str
    scheduled_for: datetime
    patient_id: int
    patient_name: str
    record_number: str
    phone: str
    clinician_name: str | None
    reminders: tuple[ReminderState, ...]
    can_complete: bool  # staff may mark it completed from the agenda
    can_miss: bool  # ... or a no-show


@dataclass(frozen=True)
class Day:
    day: date
    visits: tuple[Visit, ...]


@dataclass(frozen=True)
class Agenda:
    filters: Filters
    days: tuple[Day, ...]
    today: date
    previous: date
    next: date

    @property
    def count(self) -> int:
        return sum(len(d.visits) for d in self.days)


def clinic_today(now: datetime, tz_name: str) -> date:
    """The clinic's calendar day at `now`."""
    return now.astimezone(ZoneInfo(tz_name)).date()


def clinicians() -> list[Clinician]:
    """Every clinician, active first then by name: visits keep the clinician who has since left."""
    rows = db.session.execute(
        select(User.id, User.display_name, User.active).where(User.role == "clinician")
        .order_by(User.active.desc(), User.display_name, User.id))
    return [Clinician(*row) for row in rows]


def parse_filters(data, today: date, known: list[Clinician]) -> Filters:
    """The agenda's filters from URL parameters; ValidationError naming each bad one."""
    fields = Fields(data)
    view = fields.choice("view", VIEWS, default="day")
    day = fields.day("date", required=False) or today
    kind = fields.choice("kind", (*APPOINTMENT_KINDS, "all"), default="all")
    clinician = fields.raw("clinician") or "all"
    if clinician not in ("all", "none"):
        wanted = record_id(clinician)
        if wanted is None or wanted not in {c.id for c in known}:
            fields.fail("clinician", _l("Please choose one of the clinic's clinicians."))
        clinician = wanted
    fields.done()
    return Filters(view=view, day=day, kind=None if kind == "all" else kind,
                   clinician=None if clinician == "all" else clinician)


def span(filters: Filters) -> list[date]:
    """The clinic days shown: the day, or Monday to Sunday of its week."""
    if filters.view == "day":
        return [filters.day]
    monday = filters.day - timedelta(days=filters.day.weekday())
    return [monday + timedelta(days=n) for n in range(7)]


def _where(filters: Filters, days: list[date], tz: ZoneInfo) -> list:
    """The visits of `days` (clinic days) that the filters keep, as WHERE clauses."""
    start, end = _midnight(days[0], tz), _midnight(days[-1] + timedelta(days=1), tz)
    where = [Appointment.scheduled_for >= start, Appointment.scheduled_for < end]
    if filters.kind:
        where.append(Appointment.kind == filters.kind)
    if filters.clinician == "none":
        where.append(Appointment.clinician_id.is_(None))
    elif filters.clinician:
        where.append(Appointment.clinician_id == filters.clinician)
    return where


@dataclass(frozen=True)
class DaySummary:
    """One clinic day of the week view: how many visits, of which kinds and statuses, from when
    to when (clinic time). The day view holds each visit."""

    day: date
    count: int
    kinds: dict[str, int]  # in APPOINTMENT_KINDS order, only those present
    statuses: dict[str, int]  # in APPOINTMENT_STATUSES order, only those present
    first: datetime | None
    last: datetime | None


@dataclass(frozen=True)
class Week:
    filters: Filters
    days: tuple[DaySummary, ...]
    today: date
    previous: date
    next: date

    @property
    def count(self) -> int:
        return sum(d.count for d in self.days)


def week(filters: Filters, now: datetime, tz_name: str) -> Week:
    """The filtered week, day by day in counts (one statement reading three columns a visit; the
    page grows by days, not by visits, so a busy week stays one screen)."""
    tz = ZoneInfo(tz_name)
    days = span(replace(filters, view="week"))
    rows = db.session.execute(
        select(Appointment.scheduled_for, Appointment.kind, Appointment.status)
        .where(*_where(filters, days, tz)).order_by(Appointment.scheduled_for)
    ).all()
    by_day: dict[date, list] = {d: [] for d in days}
    for when, kind, status in rows:
        by_day[when.astimezone(tz).date()].append((when, kind, status))
    summaries = []
    for day, visits in by_day.items():
        kinds = Counter(kind for _, kind, _ in visits)
        statuses = Counter(status for _, _, status in visits)
        summaries.append(DaySummary(
            day=day, count=len(visits),
            kinds={k: kinds[k] for k in APPOINTMENT_KINDS if kinds[k]},
            statuses={s: statuses[s] for s in APPOINTMENT_STATUSES if statuses[s]},
            first=visits[0][0] if visits else None, last=visits[-1][0] if visits else None))
    step = timedelta(days=7)
    return Week(filters=filters, days=tuple(summaries), today=clinic_today(now, tz_name),
                previous=filters.day - step, next=filters.day + step)


def agenda(filters: Filters, now: datetime, tz_name: str) -> Agenda:
    """The visits of the filtered day or week, in time order, grouped by clinic day."""
    tz = ZoneInfo(tz_name)
    days = span(filters)
    where = _where(filters, days, tz)
    states = _reminders(where)
    owner, clinician = aliased(User), aliased(User)
    rows = db.session.execute(
        select(Appointment.id, Appointment.kind, Appointment.status, Appointment.scheduled_for,
               Appointment.revision, Patient.id, owner.display_name, Patient.record_number, Patient.phone,
               clinician.display_name)
        .join(Patient, Patient.id == Appointment.patient_id).join(owner, owner.id == Patient.user_id)
        .outerjoin(clinician, clinician.id == Appointment.clinician_id)
        .where(*where).order_by(Appointment.scheduled_for, Appointment.id)
    ).all()
    today = clinic_today(now, tz_name)
    by_day: dict[date, list[Visit]] = {d: [] for d in days}
    for vid, kind, status, when, revision, pid, name, mrn, phone, clinician_name in rows:
        local_day = when.astimezone(tz).date()
        staff_may = kind != "check_72h"
        by_day[local_day].append(Visit(
            id=vid, kind=kind, status=status, scheduled_for=when, patient_id=pid, patient_name=name,
            record_number=mrn, phone=phone, clinician_name=clinician_name,
            reminders=_current(states.get(vid, []), vid, revision),
            can_complete=staff_may and status in ("scheduled", "missed") and local_day <= today,
            can_miss=staff_may and status == "scheduled" and when <= now,
        ))
    step = timedelta(days=1 if filters.view == "day" else 7)
    return Agenda(filters=filters, days=tuple(Day(d, tuple(v)) for d, v in by_day.items()), today=today,
                  previous=filters.day - step, next=filters.day + step)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(ZoneInfo("UTC"))


def _reminders(where) -> dict[int, list]:
    """Every reminder row about the visits matching `where`, by visit (one statement)."""
    rows = db.session.execute(
        select(Reminder.appointment_id, Reminder.idempotency_key, Reminder.kind, Reminder.status,
               Reminder.due_at, Reminder.sent_at)
        .join(Appointment, and_(Appointment.id == Reminder.appointment_id))
        .where(*where, Reminder.kind.in_(VISIT_REMINDERS))
    ).all()
    found: dict[int, list] = {}
    for row in rows:
        found.setdefault(row[0], []).append(row[1:])
    return found


def _current(rows: list, visit_id: int, revision: int) -> tuple[ReminderState, ...]:
    """The reminders for the visit as booked now (the key names the revision: a moved visit's
    earlier reminders are about another time), one per kind, in the order they go out."""
    ref = f":a{visit_id}r{revision}:"
    best: dict[str, tuple] = {}
    for key, kind, status, due_at, sent_at in rows:
        if ref not in key:
            continue
        if kind not in best or _RANK[status] < _RANK[best[kind][0]]:
            best[kind] = (status, due_at, sent_at)
    return tuple(ReminderState(kind, *best[kind]) for kind in VISIT_REMINDERS if kind in best)
