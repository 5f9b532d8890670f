"""The reminder rules: a pure function from a patient's facts and `now` to the reminders owed.

Re-running it at any time converges: the outbox inserts what is missing, cancels what is no
longer owed, and the dispatcher asks it again just before sending.
"""

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from ..models.timeline import procedure_day, recovery_day

UTC = ZoneInfo("UTC")


@dataclass(frozen=True)
class Policy:
    """Timings of the rules; the clinic may change the offsets in config."""

    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    follow_up_before: timedelta = timedelta(days=2)
    follow_up_morning: time = time(8, 0)
    repeat_after: timedelta = timedelta(hours=12)
    escalate_after: timedelta = timedelta(hours=24)
    late_record_cutoff: timedelta = timedelta(hours=12)
    daily_until_day: int = 14
    weekly_until_day: int = 84
    nudge_horizon_days: int = 7
    clinic_timezone: str = "America/Chicago"
    summary_notice: time = time(8, 0)  # clinic time, the day before a follow-up


@dataclass(frozen=True)
class AppointmentFacts:
    id: int
    kind: str
    scheduled_for: datetime
    status: str
    revision: int
    updated_at: datetime


@dataclass(frozen=True)
class PatientFacts:
    """Everything the rules look at for one patient."""

    patient_id: int
    timezone: str
    reminder_time: time
    channels: tuple[str, ...]  # the patient-facing channels they can be reached on (channels.reachable_on)
    active: bool  # account active and not discharged
    procedure_at: datetime | None
    procedure_recorded_at: datetime | None
    appointments: tuple[AppointmentFacts, ...] = ()
    checkin_dates: frozenset[date] = field(default_factory=frozenset)
    clinician_ids: tuple[int, ...] = ()  # who gets the visit summary the day before a follow-up


class Planned(NamedTuple):
    """A reminder the rules say is owed (a named tuple: the sweep builds hundreds of thousands)."""

    key: str
    kind: str
    channel: str
    due_at: datetime
    appointment_id: int | None
    for_date: date | None
    recipient_id: int | None  # a clinician, for the clinic channel


def hold_for_quiet_hours(due: datetime, tz: ZoneInfo, policy: Policy) -> datetime:
    """Move a patient-facing time that falls in quiet hours (21:00-08:00 local) to 08:00."""
    local = due.astimezone(tz)
    if policy.quiet_end <= local.time() < policy.quiet_start:
        return due
    day = local.date() if local.time() < policy.quiet_end else local.date() + timedelta(days=1)
    return at_local(day, policy.quiet_end, tz)


def at_local(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time on a local day (DST-aware)."""
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


def plan(facts: PatientFacts, now: datetime, policy: Policy = Policy()) -> list[Planned]:
    """Every reminder owed to (or about) this patient at `now`."""
    if not facts.active or facts.procedure_at is None:
        return []
    tz = ZoneInfo(facts.timezone)
    check, check_day = _check_72h(facts, now, tz, policy)
    return [*check, *_follow_ups(facts, now, tz, policy), *_visit_summaries(facts, now, policy),
            *_nudges(facts, now, tz, policy, check_day)]


def _patient(facts: PatientFacts, kind: str, ref: str, due: datetime, appointment_id: int | None,
             for_date: date | None) -> list[Planned]:
    """One patient reminder on each channel the patient is reachable on."""
    return [Planned(f"{kind}:{facts.patient_id}:{ref}:{channel}", kind, channel, due, appointment_id,
                    for_date, None) for channel in facts.channels]


def _check_72h(facts, now, tz, policy) -> tuple[list[Planned], date | None]:
    """72 h: ask; 12 h later: ask again; 24 h later: staff call task and clinician alert.
    Also the local day the first ask falls on (that day needs no nudge besides)."""
    check = next((a for a in facts.appointments if a.kind == "check_72h"), None)
    if check is None or check.status in ("completed", "cancelled"):
        return [], None
    due = check.scheduled_for
    if facts.procedure_recorded_at and facts.procedure_recorded_at > due + policy.late_record_cutoff:
        return [], None  # recorded after the fact: too late to remind anyone
    ref = f"a{check.id}r{check.revision}"
    first = hold_for_quiet_hours(due, tz, policy)
    owed = []
    if now < due + policy.escalate_after:  # once the window has closed, only staff can act
        repeat = hold_for_quiet_hours(due + policy.repeat_after, tz, policy)
        owed += _patient(facts, "check_72h", ref, first, check.id, None)
        owed += _patient(facts, "check_72h_repeat", ref, repeat, check.id, None)
    owed.append(Planned(f"escalation:{facts.patient_id}:{ref}:staff", "escalation", "staff",
                        due + policy.escalate_after, check.id, None, None))
    return owed, first.astimezone(tz).date()


def _follow_ups(facts, now, tz, policy) -> list[Planned]:
    """Two days before, and on the morning of, each scheduled follow-up still ahead."""
    owed = []
    for visit in facts.appointments:
        if visit.kind != "follow_up" or visit.status != "scheduled" or visit.scheduled_for <= now:
            continue
        ref = f"a{visit.id}r{visit.revision}"
        before = hold_for_quiet_hours(visit.scheduled_for - policy.follow_up_before, tz, policy)
        if before >= visit.updated_at and before < visit.scheduled_for:
            owed += _patient(facts, "follow_up_before", ref, before, visit.id, None)
        morning = at_local(visit.scheduled_for.astimezone(tz).date(), policy.follow_up_morning, tz)
        if visit.updated_at <= morning < visit.scheduled_for:
            owed += _patient(facts, "follow_up_morning", ref, morning, visit.id, None)
    return owed


def _visit_summaries(facts, now, policy) -> list[Planned]:
    """At 08:00 clinic time the day before each scheduled follow-up, an e-mail to each
    responsible clinician linking to the visit summary; a visit booked later than that hears
    at booking time. The key holds the visit's revision: a move re-plans it, a cancel drops it."""
    clinic = ZoneInfo(policy.clinic_timezone)
    owed = []
    for visit in facts.appointments:
        if visit.kind != "follow_up" or visit.status != "scheduled" or visit.scheduled_for <= now:
            continue
        day_before = visit.scheduled_for.astimezone(clinic).date() - timedelta(days=1)
        due = max(at_local(day_before, policy.summary_notice, clinic), visit.updated_at)
        if due >= visit.scheduled_for:
            continue
        for clinician_id in facts.clinician_ids:
            key = f"visit_summary:{facts.patient_id}:a{visit.id}r{visit.revision}:u{clinician_id}:clinic"
            owed.append(Planned(key, "visit_summary", "clinic", due, visit.id, None, clinician_id))
    return owed


def nudge_days(policy: Policy = Policy()) -> list[int]:
    """Days after the procedure with a check-in nudge: daily to day 14, then weekly to week 12."""
    daily = range(1, policy.daily_until_day + 1)
    weekly = range(policy.daily_until_day + 7, policy.weekly_until_day + 1, 7)
    return [*daily, *weekly]


def _nudges(facts, now, tz, policy, check_day) -> list[Planned]:
    """The daily nudge at the patient's chosen time, for today and the next few days only."""
    day0 = procedure_day(facts.procedure_at, tz)
    first = recovery_day(facts.procedure_at, now, tz)  # today; a nudge for a past day is no use
    last = first + policy.nudge_horizon_days
    days = nudge_days(policy)
    owed = []
    for n in days[bisect_left(days, first):bisect_right(days, last)]:
        day = day0 + timedelta(days=n)
        if day in facts.checkin_dates or day == check_day:
            continue
        due = hold_for_quiet_hours(at_local(day, facts.reminder_time, tz), tz, policy)
        owed += _patient(facts, "daily_nudge", f"d{day.isoformat()}", due, None, day)
    return owed
