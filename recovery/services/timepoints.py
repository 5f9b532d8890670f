"""Time points: the cohort's day buckets, the 72-hour check's window, and the outcome
questionnaires' time points (baseline to month 12) with their windows.

The buckets are spans of days since the procedure that check-ins are counted in: kept apart
from the statistics because saving a check-in (services/buckets.py), the benchmark's generator
and the cohort page all need the same day-to-bucket rule. The outcome time points are pure
functions of the procedure's time, the patient's zone and `now` (no database), so the patient's
form, the clinician's page and, later, the reminders and the cohort statistics read one rule.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from .. import vocabulary
from ..models import COHORT_BUCKETS
from ..models.timeline import day_start, procedure_day

# The 72-hour check: asked 72 hours after the procedure, answerable from 60 to 96 hours.
CHECK_72H = timedelta(hours=72)
CHECK_WINDOW = (timedelta(hours=60), timedelta(hours=96))


@dataclass(frozen=True)
class Bucket:
    """A span of days since the procedure, both ends included; `day` is its nominal day.

    Check-ins between buckets (days 32-38, 46-52, 60-80) and after day 87 count in none.
    """

    key: str
    label: object  # a lazy, translatable string
    first_day: int
    last_day: int
    day: int


def _week(n: int) -> Bucket:
    # Week n is the 7 days centred on day 7n: the weekly reminders fall on day 7n, and a centred
    # window does not let "the last check-in in the bucket" drift late.
    return Bucket(f"week{n}", _l("Week %(n)s", n=n), 7 * n - 3, 7 * n + 3, 7 * n)


BUCKETS: tuple[Bucket, ...] = tuple(
    Bucket(f"day{d}", _l("Day %(n)s", n=d), d, d, d) for d in range(4)
) + tuple(_week(n) for n in (1, 2, 3, 4, 6, 8, 12))
assert tuple(b.key for b in BUCKETS) == COHORT_BUCKETS, "the summary table has a column pair per bucket"
BUCKETS_BY_KEY = {b.key: b for b in BUCKETS}
_BUCKET_OF_DAY = {d: b for b in BUCKETS for d in range(b.first_day, b.last_day + 1)}


def bucket_of_day(days: int) -> Bucket | None:
    """The bucket of a check-in `days` after the procedure day, or None between and after them."""
    return _BUCKET_OF_DAY.get(days)


# --- Outcome questionnaires' time points ---------------------------------------------------------

@dataclass(frozen=True)
class TimePoint:
    """An outcome time point and the instruments asked at it (`instruments`, in the order shown).

    Baseline's window is everything before the procedure; the 72-hour point's is the 72-hour
    check's (CHECK_WINDOW); the others are the local days `day - before` to `day + after` after the
    procedure day, both ends included, so a late answer still counts toward a registry's capture.
    """

    key: str
    label: object  # a lazy, translatable string
    instruments: tuple[str, ...]
    day: int | None = None  # None: baseline and 72 h, whose windows are not in days
    before: int = 0
    after: int = 0


# Every outcome time point, in order (../shared/CLINICAL.md: a schedule that serves both trials
# and registries); their codes and words live in the vocabulary. A month is 30 days, month 6 is
# day 182 (26 weeks) and month 12 day 365.
TIME_POINT_LABELS = vocabulary.OUTCOME_TIME_POINTS
# Default windows of the day-based points: (day, days before, days after).
DEFAULT_WINDOWS = {"week1": (7, 2, 2), "month1": (30, 7, 7), "month3": (90, 14, 30),
                   "month6": (182, 14, 60), "month12": (365, 14, 60)}
_AFTER_BASELINE = ("rmdq", "global_impression")
DEFAULT_INSTRUMENTS = {"baseline": ("rmdq",), **{key: _AFTER_BASELINE for key in TIME_POINT_LABELS
                                                 if key != "baseline"}}
# Statuses of a time point for a patient at `now`.
UPCOMING, DUE, ANSWERED, MISSED = "upcoming", "due", "answered", "missed"


class ScheduleError(ValueError):
    """A time-point setting that cannot work; the message names the setting, in one line."""


def _entries(setting: str, value, example: str) -> dict[str, str]:
    """A setting given as "key=value; key=value" (the environment) or a dict (instance/config.py)."""
    if isinstance(value, dict):
        return {str(k).strip(): v for k, v in value.items()}
    entries = {}
    for part in str(value).split(";"):
        if not part.strip():
            continue
        key, equals, rest = part.partition("=")
        if not equals or key.strip() in entries:
            raise ScheduleError(f"{setting} must be entries such as {example!r} separated by ';', "
                                f"each time point once, not {part.strip()!r}.")
        entries[key.strip()] = rest.strip()
    return entries


def parse_windows(value) -> dict[str, tuple[int, int, int]]:
    """OUTCOME_WINDOWS ("month1=30-7+7; month3=90-14+30", or a dict of (day, before, after)) over
    the defaults; each window after the 72-hour check and ahead of the next point's."""
    windows = dict(DEFAULT_WINDOWS)
    for key, raw in _entries("OUTCOME_WINDOWS", value or {}, "month1=30-7+7").items():
        if key not in DEFAULT_WINDOWS:
            raise ScheduleError(f"OUTCOME_WINDOWS names {key!r}; its time points are "
                                f"{', '.join(DEFAULT_WINDOWS)}.")
        if isinstance(raw, str):
            match = re.fullmatch(r"(\d+)\s*-\s*(\d+)\s*\+\s*(\d+)", raw)
            numbers = tuple(int(n) for n in match.groups()) if match else None
        else:
            numbers = tuple(raw) if isinstance(raw, list | tuple) and len(raw) == 3 \
                and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in raw) else None
        if numbers is None or numbers[1] > numbers[0]:
            raise ScheduleError(f"OUTCOME_WINDOWS: {key} must be its day after the procedure, the days "
                                f"before and the days after (for example {key}=30-7+7), not {raw!r}.")
        windows[key] = numbers
    first_day = CHECK_WINDOW[1] // timedelta(days=1)  # the day the 72-hour check's window closes
    for key, (day, before, after) in windows.items():
        if day - before <= first_day:
            raise ScheduleError(f"OUTCOME_WINDOWS: {key} opens on day {day - before}, before the 72-hour "
                                f"check has closed (day {first_day}).")
        first_day = day + after
    return windows


def parse_schedule(instruments_value, windows_value, known: set[str]) -> tuple[TimePoint, ...]:
    """The time points asked, from OUTCOME_INSTRUMENTS ("baseline=rmdq; month1=rmdq,global_impression",
    or a dict of lists; a point left out is not asked) and OUTCOME_WINDOWS; `known` are the
    instruments defined (recovery/instruments). ScheduleError naming the setting otherwise."""
    windows = parse_windows(windows_value)
    chosen = DEFAULT_INSTRUMENTS if instruments_value is None else _entries(
        "OUTCOME_INSTRUMENTS", instruments_value, "month1=rmdq,global_impression")
    points = []
    for key, names in chosen.items():
        if key not in TIME_POINT_LABELS:
            raise ScheduleError(f"OUTCOME_INSTRUMENTS names time point {key!r}; they are "
                                f"{', '.join(TIME_POINT_LABELS)}.")
        listed = names.split(",") if isinstance(names, str) else list(names)
        keys = tuple(dict.fromkeys(str(n).strip() for n in listed if str(n).strip()))
        for name in keys:
            if name not in known:
                raise ScheduleError(f"OUTCOME_INSTRUMENTS names instrument {name!r} at {key}, which is not "
                                    f"defined (defined: {', '.join(sorted(known))}).")
        if key == "baseline" and "global_impression" in keys:
            raise ScheduleError("OUTCOME_INSTRUMENTS: the global impression of change asks about the time "
                                "since the procedure, so it cannot be asked at baseline.")
        day, before, after = windows.get(key, (None, 0, 0))
        if keys:
            points.append(TimePoint(key, TIME_POINT_LABELS[key], keys, day, before, after))
    order = list(TIME_POINT_LABELS)
    return tuple(sorted(points, key=lambda p: order.index(p.key)))


def window(point: TimePoint, performed_at: datetime, tz) -> tuple[datetime | None, datetime]:
    """(opens, closes) in UTC: answers count from `opens` (None: from enrolment) until before `closes`."""
    if point.key == "baseline":
        return None, performed_at
    if point.key == "72h":
        return performed_at + CHECK_WINDOW[0], performed_at + CHECK_WINDOW[1]
    day0 = procedure_day(performed_at, tz)
    return (day_start(day0 + timedelta(days=point.day - point.before), tz),
            day_start(day0 + timedelta(days=point.day + point.after + 1), tz))


def point_open_at(schedule, performed_at: datetime, tz, now: datetime) -> TimePoint | None:
    """The time point whose window holds `now`, if any (windows do not overlap)."""
    for point in schedule:
        opens, closes = window(point, performed_at, tz)
        if (opens is None or opens <= now) and now < closes:
            return point
    return None


@dataclass(frozen=True)
class PointStatus:
    point: TimePoint
    opens: datetime | None
    closes: datetime
    status: str  # UPCOMING, DUE, ANSWERED or MISSED
    instruments: tuple[tuple[str, str], ...]  # (instrument, its status) in the point's order


def statuses(schedule, performed_at: datetime, tz, answered, now: datetime) -> list[PointStatus]:
    """Each time point's status for a patient at `now`; `answered` holds the (time point, instrument)
    pairs the patient has answered. An instrument is answered once its response is in, due while
    its window is open, missed once the window has closed without it, upcoming before it opens;
    the point is answered when all its instruments are, and otherwise takes its window's state."""
    found = []
    for point in schedule:
        opens, closes = window(point, performed_at, tz)
        state = MISSED if now >= closes else UPCOMING if opens is not None and now < opens else DUE
        each = tuple((name, ANSWERED if (point.key, name) in answered else state)
                     for name in point.instruments)
        found.append(PointStatus(point, opens, closes,
                                 ANSWERED if all(s == ANSWERED for _, s in each) else state, each))
    return found
