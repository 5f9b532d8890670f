"""The triage rules: pure functions from a patient's facts to their ongoing episodes."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from ..responder import is_responder

TRIAGE_KINDS = ("non_responder", "worsening", "missed_checkins")
SEVERITY = {"red_flag": "urgent", "worsening": "high", "missed_72h": "high",
            "non_responder": "routine", "missed_checkins": "routine"}
SEVERITY_ORDER = ("urgent", "high", "routine")
AUTO_CLOSE = {
    "non_responder": "Closed automatically: the 72-hour check-in now meets the responder rule.",
    "missed_checkins": "Closed automatically: the patient checked in again (or was discharged).",
}
WORSENING_POINTS = 3
WORSENING_WINDOW = timedelta(days=14)
MISSED_DAYS = 3
MISSED_UNTIL_DAY = 14
SWEEP_DAYS = 98  # the sweep looks at procedures up to 14 weeks old (reminders stop at week 12)


class Entry(NamedTuple):
    """One check-in as the rules see it (a named tuple: a check-in loads the whole procedure's
    history, and tuples are built straight from the rows)."""

    id: int
    local_date: date
    pain_now: int
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


@dataclass(frozen=True)
class Episode:
    """An ongoing condition: an alert is raised once per distinct key."""

    kind: str
    checkin_id: int | None
    detail: str

    @property
    def key(self) -> tuple:
        return (self.kind, self.checkin_id, self.detail)

    @property
    def severity(self) -> str:
        return SEVERITY[self.kind]


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
    i = len(f.checkins) - 1
    while i >= 0 and is_worse(f.checkins, i):  # the run of worse check-ins ending at the latest
        start = f.checkins[i]
        i -= 1
    if start is None:
        return None
    return Episode("worsening", start.id, f"p{f.procedure_id}:since:{start.local_date.isoformat()}")


def missed_checkins(f: Facts) -> Episode | None:
    """3+ whole days without a check-in within the first 2 weeks, the silence still lasting."""
    if f.discharged:
        return None
    last_counted = min(f.today - timedelta(days=1), f.procedure_day + timedelta(days=MISSED_UNTIL_DAY))
    last = f.checkins[-1] if f.checkins else None
    since = max(last.local_date, f.procedure_day) if last else f.procedure_day
    if (last_counted - since).days < MISSED_DAYS:
        return None
    key = f"p{f.procedure_id}:since:{since.isoformat()}"
    return Episode("missed_checkins", last.id if last else None, key)


RULES = (non_responder, worsening, missed_checkins)


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

