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

Everything is counted in the database, in two grouped statements over the reminders of the
cohort's filter, never a row per reminder in Python.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import String, case, cast, distinct, func, literal, or_, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import Float

from ..extensions import db
from ..models import Patient, Procedure, Reminder, ReminderDelivery, is_current
from ..reminders.mail import CHECKIN_KINDS
from .cohort import CohortFilters, filtered

SETTLED_AFTER = timedelta(days=1)  # an unanswered ask this young is still open
LAST_WEEK = 12  # the daily nudges end with week 12


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
    stmt = (select(Reminder.channel.label("channel"), key.label("ask"), Reminder.sent_at.label("sent_at"),
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


def _counts(asks, group=None, name: str = ""):
    """(name, group value, asked, made) over `asks`, by `group` (a column name) or all together:
    asked counts distinct asks, made those answered."""
    made = func.count(distinct(case((asks.c.answered == 1, asks.c.ask))))
    value = cast(asks.c[group], String) if group else literal(None, String)
    stmt = select(literal(name).label("name"), value.label("value"), func.count(distinct(asks.c.ask)), made)
    return stmt.group_by(asks.c[group]) if group else stmt


def cohort_completion(filters: CohortFilters, now: datetime,
                      clinic_tz: str | None = None) -> CohortCompletion:
    """Completion of the cohort page's filter (read as services/cohort.filtered reads it), all
    channels, per channel and per week since the procedure, in one statement (three grouped
    counts over the same asks, one after the other)."""
    zone = ZoneInfo(clinic_tz or current_app.config["CLINIC_TIMEZONE"])
    asks = _asks(now, lambda stmt: filtered(stmt, filters, zone))
    rows = db.session.execute(union_all(_counts(asks, name="all"), _counts(asks, "channel", "channel"),
                                        _counts(asks, "week", "week"))).all()
    groups: dict[str, dict] = {"all": {}, "channel": {}, "week": {}}
    for name, value, asked, made in rows:
        groups[name][value] = Rate(asked, made)
    return CohortCompletion(
        groups["all"].get(None, Rate(0, 0)),
        groups["channel"],
        dict(sorted((int(float(week)), rate) for week, rate in groups["week"].items())),
    )


def patient_completion(patient_id: int, now: datetime) -> Rate:
    """One patient's check-ins made / asked for since their current procedure."""
    asks = _asks(now, lambda stmt: stmt.where(Reminder.patient_id == patient_id))
    ((_, _, asked, made),) = db.session.execute(_counts(asks)).all()
    return Rate(asked, made)
