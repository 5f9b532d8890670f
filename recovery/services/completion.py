"""Completion: check-ins made out of check-ins asked for, read from the delivery ledger.

One home for the figure the clinician sees beside a patient's status and the cohort page's
completion by channel and by week since the procedure.

- **An ask** is one day a check-in was asked for: one daily nudge day (the reminder's `for_date`)
  or one 72-hour check (its appointment, the first ask and the repeat together). An ask counts
  once it has been sent on at least one channel, for the patient's current procedure (sent at or
  after it), and once it is settled: answered, or sent more than a day ago (an ask of this
  morning that is not answered yet is still open, not missed).
- **Made** means the ledger holds an "answered" step for one of the ask's reminders: the check-in
  it asked for was made (reminders/ledger.answered credits one reminder per day, so a day asked
  by e-mail and in the inbox is made once).
- **By channel**, an ask counts for every channel that carried it, and is made through the
  channel whose reminder was credited: the shares say which channel brings the answers.
- **Weeks since the procedure** are elapsed time from the procedure to the hand-over: week 1 is
  the first seven days (no time zone enters, so the figure is the same on SQLite and PostgreSQL).

A patient's figure is counted live from their reminders. The cohort's would have to read every
reminder of the clinic (about 2.5 s at 10,000 patients on SQLite, bench/RESULTS.md), so
`refresh_summary`, run by the scheduler with the expected-recovery bands, counts each procedure's
asks once into `procedure_completion` (one row per procedure, channel and week), and the cohort page
adds those rows up for its filter: its figures are at most one refresh old.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import (
    Integer,
    String,
    case,
    cast,
    delete,
    distinct,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import Float

from ..extensions import db
from ..models import Patient, Procedure, Reminder, ReminderDelivery, is_current, procedure_completion
from ..models.types import UTCDateTime
from ..reminders.mail import CHECKIN_KINDS
from ..reminders.rules import Policy
from .cohort import CohortFilters, filtered

ALL = "all"  # procedure_completion's channel for every channel together
SETTLED_AFTER = timedelta(days=1)  # an unanswered ask this young is still open
LAST_WEEK = Policy().weekly_until_day // 7  # the nudges end with week 12


class _days_between(FunctionElement):  # noqa: N801 (an SQL function's name)
    """SQL: the days (fractional) from the second timestamp to the first."""

    type = Float()
    inherit_cache = True


@compiles(_days_between, "sqlite")
def _days_sqlite(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"(julianday({later}) - julianday({earlier}))"


@compiles(_days_between, "postgresql")
def _days_postgresql(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({later} - {earlier})) / 86400.0)"


@dataclass(frozen=True)
class Rate:
    """`made` of `asked`; the share is None when nothing was asked."""

    asked: int
    made: int

    @property
    def share(self) -> float | None:
        return self.made / self.asked if self.asked else None

    @property
    def percent(self) -> int | None:
        return None if self.share is None else round(100 * self.share)


@dataclass(frozen=True)
class CohortCompletion:
    """The cohort page's completion: all channels together, per channel, and per week."""

    overall: Rate
    by_channel: dict[str, Rate]
    by_week: dict[int, Rate]  # week 1..LAST_WEEK; later asks fall in LAST_WEEK + 1 ("later")
    computed_at: datetime | None = None  # the summary's last refresh

    @property
    def empty(self) -> bool:
        return not self.overall.asked


def _asks(now: datetime, narrow=None):
    """The settled asks' reminders of current procedures, each with its ask key, week and
    whether the ledger credits it; `narrow` adds conditions on Patient and Procedure (the
    filters). An ask is settled as a whole: once one of its reminders is answered, or its first
    was sent more than a day before `now`."""
    answered = (select(ReminderDelivery.reminder_id)
                .where(ReminderDelivery.step == "answered").scalar_subquery())
    day = func.coalesce(cast(Reminder.for_date, String), literal("a") + cast(Reminder.appointment_id, String))
    key = cast(Reminder.patient_id, String) + literal(":") + day
    week = func.floor(_days_between(Reminder.sent_at, Procedure.performed_at) / 7) + 1
    stmt = (select(Procedure.id.label("procedure_id"), Reminder.channel.label("channel"), key.label("ask"),
                   Reminder.sent_at.label("sent_at"),
                   case((week > LAST_WEEK, LAST_WEEK + 1), else_=week).label("week"),
                   case((Reminder.id.in_(answered), 1), else_=0).label("answered"))
            .join(Procedure, Procedure.patient_id == Reminder.patient_id)
            .join(Patient, Patient.id == Reminder.patient_id)
            .where(is_current(Procedure), Reminder.kind.in_(CHECKIN_KINDS), Reminder.status == "sent",
                   Reminder.sent_at >= Procedure.performed_at))
    rows = (narrow(stmt) if narrow else stmt).subquery()
    settled = (select(rows.c.ask).group_by(rows.c.ask)
               .having(or_(func.max(rows.c.answered) == 1, func.min(rows.c.sent_at) <= now - SETTLED_AFTER)))
    return select(rows).where(rows.c.ask.in_(settled)).subquery()


def _counts(asks):
    """(asked, made) over `asks`: distinct asks, and those answered."""
    made = func.count(distinct(case((asks.c.answered == 1, asks.c.ask))))
    return select(func.count(distinct(asks.c.ask)), made)


def _per_procedure(asks, channel=None):
    """Each procedure's asks by week (the week of the ask's first reminder), over every channel
    together ("all") or per channel: rows ready for procedure_completion."""
    by = [asks.c.procedure_id, asks.c.ask] + ([asks.c.channel] if channel else [])
    one = (select(*by, func.min(asks.c.week).label("week"), func.max(asks.c.answered).label("made"))
           .group_by(*by).subquery())
    keys = [one.c.procedure_id, one.c.week] + ([one.c.channel] if channel else [])
    name = one.c.channel if channel else literal(ALL, String)
    return (select(one.c.procedure_id, name.label("channel"), cast(one.c.week, Integer).label("week"),
                   func.count().label("asked"), func.sum(one.c.made).label("made"))
            .group_by(*keys))


def refresh_summary(now: datetime) -> bool:
    """Count every current procedure's settled asks into procedure_completion, replacing what it
    held, in the caller's transaction. False when a second scheduler wrote it at the same moment
    (its rows, of the same moment, stand)."""
    asks = _asks(now)
    rows = union_all(_per_procedure(asks), _per_procedure(asks, channel=True)).subquery()
    columns = ("procedure_id", "channel", "week", "asked", "made", "computed_at")
    try:
        with db.session.begin_nested():
            db.session.execute(delete(procedure_completion))
            db.session.execute(insert(procedure_completion).from_select(
                columns, select(rows.c.procedure_id, rows.c.channel, rows.c.week, rows.c.asked, rows.c.made,
                                literal(now, UTCDateTime))))
    except IntegrityError:
        return False
    return True


def cohort_completion(filters: CohortFilters, clinic_tz: str | None = None) -> CohortCompletion:
    """Completion of the cohort page's filter (read as services/cohort.filtered reads it), all
    channels, per channel and per week since the procedure, added up from procedure_completion in
    one statement."""
    zone = ZoneInfo(clinic_tz or current_app.config["CLINIC_TIMEZONE"])
    summary = procedure_completion.c
    stmt = (select(summary.channel, summary.week, func.sum(summary.asked), func.sum(summary.made),
                   func.max(summary.computed_at))
            .join(Procedure, Procedure.id == summary.procedure_id)
            .join(Patient, Patient.id == Procedure.patient_id)
            .where(is_current(Procedure))
            .group_by(summary.channel, summary.week))
    overall, by_channel, by_week, computed = Rate(0, 0), {}, {}, None
    for channel, week, asked, made, at in db.session.execute(filtered(stmt, filters, zone)):
        rate = Rate(int(asked), int(made))
        computed = max(filter(None, (computed, at)), default=None)
        if channel == ALL:
            overall = Rate(overall.asked + rate.asked, overall.made + rate.made)
            by_week[week] = rate
        else:
            was = by_channel.get(channel, Rate(0, 0))
            by_channel[channel] = Rate(was.asked + rate.asked, was.made + rate.made)
    return CohortCompletion(overall, by_channel, dict(sorted(by_week.items())), computed)


def patient_completion(patient_id: int, now: datetime) -> Rate:
    """One patient's check-ins made / asked for since their current procedure."""
    asks = _asks(now, lambda stmt: stmt.where(Reminder.patient_id == patient_id))
    ((asked, made),) = db.session.execute(_counts(asks)).all()
    return Rate(asked, made)
