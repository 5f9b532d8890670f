"""A recovery's clock: which procedure is current, and which day of recovery a moment falls on.

Each concept has one Python form (for rows already loaded) and one SQL form (for statements),
side by side so they cannot drift apart; tests/test_timeline.py checks that they agree.

- The current procedure is a patient's latest: the greatest `performed_at`, and of procedures
  performed at the same time the one recorded last (the greatest id).
- The recovery day of a moment is its calendar date in the patient's zone minus the procedure's
  calendar date there: day 0 is the procedure day, day 1 the next calendar day.
"""

import math
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, false, or_, true

from .procedures import Procedure


def current_procedure(procedures):
    """Python: the current one of a patient's procedures (None without any).

    A procedure not yet flushed (no id) counts as recorded after the others."""
    return max(procedures, key=lambda p: (p.performed_at, math.inf if p.id is None else p.id),
               default=None)


# Another procedure of the same patient, for is_current's correlated subquery: one table alias
# (an immutable construct) shared by every statement, not a new ORM alias for each.
_later = Procedure.__table__.alias("later_procedure").c


def is_current(procedure=Procedure):
    """SQL: true where `procedure` (Procedure or an alias of it) is its patient's current one.

    No later procedure of the same patient exists: a short range of ix_procedures_patient_performed."""
    later = _later
    return ~exists().where(
        later.patient_id == procedure.patient_id,
        later.performed_at >= procedure.performed_at,
        or_(later.performed_at > procedure.performed_at, later.id > procedure.id),
    )


def _zone(tz) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)


def procedure_day(performed_at: datetime, tz) -> date:
    """Day 0: the procedure's calendar date in the patient's zone (a name or a ZoneInfo)."""
    return performed_at.astimezone(_zone(tz)).date()


def recovery_day(performed_at: datetime, at: datetime | date, tz) -> int:
    """Python: the day of recovery at `at`, an aware datetime or a date already in the patient's zone."""
    zone = _zone(tz)
    on = at if not isinstance(at, datetime) else at.astimezone(zone).date()
    return (on - performed_at.astimezone(zone).date()).days


def day_start(day: date, tz) -> datetime:
    """The UTC instant a calendar day begins in a zone (its first instant if midnight is skipped)."""
    return datetime.combine(day, time(), tzinfo=_zone(tz)).astimezone(UTC)


def recovery_day_within(performed_at, tz, today: date, first: int | None = None, last: int | None = None):
    """SQL: true where the recovery day on `today` (a date in zone `tz`) is from `first` to `last`
    (inclusive; None leaves that end open), for a `performed_at` column of rows in that zone.

    Day >= first means day 0 is on or before today - first, so the procedure came before the
    start of the day after; every test is a column against a literal instant, with no per-row
    time-zone arithmetic, so it is exact and portable."""
    conditions = []
    if first is not None:
        conditions.append(performed_at < day_start(today - timedelta(days=first - 1), tz))
    if last is not None:
        conditions.append(performed_at >= day_start(today - timedelta(days=last), tz))
    return and_(*conditions) if conditions else true()


def recovery_day_between(performed_at, timezone, now: datetime, zones, first=None, last=None):
    """SQL: the same test for rows in any of `zones` (the `timezone` column names each row's),
    the recovery day taken at `now`: one set of literals per zone in use."""
    return or_(false(), *(
        and_(timezone == zone, recovery_day_within(performed_at, zone, now.astimezone(ZoneInfo(zone)).date(),
                                                   first, last))
        for zone in zones
    ))
