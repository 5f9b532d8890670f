"""The triage rules: pure functions from a patient's facts to their ongoing episodes."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

from ..responder import is_responder

TRIAGE_KINDS = ("non_responder", "worsening", "missed_checkins", "persistent_pain")
SEVERITY = {"red_flag": "urgent", "worsening": "high", "missed_72h": "high",
            "non_responder": "routine", "missed_checkins": "routine", "persistent_pain": "routine"}
SEVERITY_ORDER = ("urgent", "high", "routine")
AUTO_CLOSE = {
    "non_responder": "Closed automatically: the 72-hour check-in now meets the responder rule.",
    "missed_checkins": "Closed automatically: the patient checked in again (or was discharged).",
    "persistent_pain": "Closed automatically: the check-in of days 35-49 now meets the responder rule "
                       "(or the patient was discharged).",
}
WORSENING_POINTS = 3
WORSENING_WINDOW = timedelta(days=14)
# The check-in schedule, the one home of the silence thresholds (the missed-check-ins rule and the
# clinician's status both read them): daily until day 14, then weekly to week 12, then long-term.
MISSED_DAYS = 3  # whole silent days that make an episode in the daily phase
MISSED_UNTIL_DAY = 14  # the last day of the daily phase
WEEKLY_MISSED_DAYS = 10  # whole silent days that make an episode in the weekly phase
FOLLOW_UP_FROM_DAY = 84  # after week 12 daily/weekly reminders end: long-term follow-up
HIGH_PAIN = 8  # silence or persistent pain with the last recorded pain this high is "high"
PERSISTENT_FROM_DAY = 35  # persistent pain looks at the latest check-in of days 35-49 ...
PERSISTENT_UNTIL_DAY = 49  # ... and is evaluated from day 49 on
SWEEP_DAYS = 98  # the sweep looks at procedures up to 14 weeks old (reminders stop at week 12)


class Entry(NamedTuple):
    """One check-in as the rules see it (a named tuple: a check-in loads the whole procedure's
    history, and tuples are built straight from the rows)."""

    id: int
    local_date: date
    pain_now: int | None  # None: not answered (an incomplete check-in that reported a red flag)
    is_72h_check: bool = False


@dataclass(frozen=True)
class Facts:
    """What the rules need about one patient's current procedure."""

    patient_id: int
    procedure_id: int
    procedure_day: date  # in the patient's zone
    baseline: int
    today: date  # the patient's local date at `now`
    discharged: bool
    checkins: tuple[Entry, ...]  # of this procedure, oldest first

    @property
    def scored(self) -> tuple[Entry, ...]:
        """The check-ins that have a pain answer: the only ones the pain rules judge."""
        return tuple(c for c in self.checkins if c.pain_now is not None)


@dataclass(frozen=True)
class Episode:
    """An ongoing condition: an alert is raised once per distinct key."""

    kind: str
    checkin_id: int | None
    detail: str
    level: str | None = field(default=None, compare=False)  # overrides the kind's severity

    @property
    def key(self) -> tuple:
        return (self.kind, self.checkin_id, self.detail)

    @property
    def severity(self) -> str:
        return self.level or SEVERITY[self.kind]


def _pain_level(f: "Facts") -> str:
    """Routine, unless the last recorded pain is HIGH_PAIN or more."""
    scored = f.scored
    last = scored[-1].pain_now if scored else None
    return "high" if last is not None and last >= HIGH_PAIN else "routine"


@dataclass(frozen=True)
class Existing:
    """An alert already on file, as reconcile() sees it."""

    id: int
    kind: str
    checkin_id: int | None
    detail: str
    open: bool

    @property
    def key(self) -> tuple:
        return (self.kind, self.checkin_id, self.detail)


def non_responder(f: Facts) -> Episode | None:
    """The 72-hour check-in does not meet the responder rule."""
    check = next((c for c in f.checkins if c.is_72h_check), None)
    if check is None or is_responder(f.baseline, check.pain_now) is not False:
        return None
    return Episode("non_responder", check.id, f"p{f.procedure_id}:72h")


def is_worse(checkins: tuple[Entry, ...], i: int) -> bool:
    """Is check-in i 3+ points above the lowest pain of the check-ins in the 14 days before it?"""
    current = checkins[i]
    since = current.local_date - WORSENING_WINDOW
    lowest = None
    for j in range(i - 1, -1, -1):  # oldest first, one a day: walk back through the window only
        earlier = checkins[j]
        if earlier.local_date < since:
            break
        if lowest is None or earlier.pain_now < lowest:
            lowest = earlier.pain_now
    return lowest is not None and current.pain_now - lowest >= WORSENING_POINTS


def worsening(f: Facts) -> Episode | None:
    """Pain up 3+ points from the recent lowest, at the latest check-in; keyed by the run's start."""
    start = None
    scored = f.scored  # a check-in without a pain answer is no evidence either way
    i = len(scored) - 1
    while i >= 0 and is_worse(scored, i):  # the run of worse check-ins ending at the latest
        start = scored[i]
        i -= 1
    if start is None:
        return None
    return Episode("worsening", start.id, f"p{f.procedure_id}:since:{start.local_date.isoformat()}")


def silent_since(procedure_day: date, today: date, last_checkin: date | None) -> date | None:
    """The day a silence longer than the schedule allows began, or None when there is none.

    Whole days without a check-in are counted up to yesterday: 3 or more within the daily phase
    (to day 14), 10 or more within the weekly phase (to week 12). Shared by the missed-check-ins
    rule and the clinician's status, so a status is never "Responding" while a silence is open."""
    since = max(last_checkin, procedure_day) if last_checkin else procedure_day
    yesterday = today - timedelta(days=1)
    daily_end = min(yesterday, procedure_day + timedelta(days=MISSED_UNTIL_DAY))
    weekly_end = min(yesterday, procedure_day + timedelta(days=FOLLOW_UP_FROM_DAY))
    if (daily_end - since).days >= MISSED_DAYS or (weekly_end - since).days >= WEEKLY_MISSED_DAYS:
        return since
    return None


def missed_checkins(f: Facts) -> Episode | None:
    """Silent longer than the schedule allows (3 days to day 14, 10 days to week 12), still silent."""
    if f.discharged:
        return None
    last = f.checkins[-1] if f.checkins else None
    since = silent_since(f.procedure_day, f.today, last.local_date if last else None)
    if since is None:
        return None
    key = f"p{f.procedure_id}:since:{since.isoformat()}"
    return Episode("missed_checkins", last.id if last else None, key, _pain_level(f))


def persistent_pain(f: Facts) -> Episode | None:
    """From day 49: the latest check-in of days 35-49 still does not meet the responder rule."""
    if f.discharged or f.baseline is None:
        return None
    if (f.today - f.procedure_day).days < PERSISTENT_UNTIL_DAY:
        return None
    first = f.procedure_day + timedelta(days=PERSISTENT_FROM_DAY)
    last_day = f.procedure_day + timedelta(days=PERSISTENT_UNTIL_DAY)
    window = [c for c in f.scored if first <= c.local_date <= last_day]
    if not window or is_responder(f.baseline, window[-1].pain_now) is not False:
        return None
    return Episode("persistent_pain", window[-1].id, f"p{f.procedure_id}:weeks5-7", _pain_level(f))


RULES = (non_responder, worsening, missed_checkins, persistent_pain)


def episodes(f: Facts) -> list[Episode]:
    """Every ongoing episode for this patient."""
    return [e for e in (rule(f) for rule in RULES) if e is not None]


def reconcile(f: Facts, existing: Iterable[Existing]) -> tuple[list[Episode], list[Existing]]:
    """What to raise (episodes with no alert yet) and what to close (ended, auto-closing kinds)."""
    existing = list(existing)
    current = episodes(f)
    known = {e.key for e in existing}
    live = {e.key for e in current}
    mine = f"p{f.procedure_id}:"  # alerts of an earlier procedure are left as they are
    to_close = [e for e in existing if e.open and e.kind in AUTO_CLOSE and e.detail.startswith(mine)
                and e.key not in live]
    return [e for e in current if e.key not in known], to_close

