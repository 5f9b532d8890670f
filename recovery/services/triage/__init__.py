"""Triage: alert rules run on every check-in write and in the scheduler sweep, never on page view.

The rules are pure functions of a patient's `Facts` (current procedure, check-ins, today's
local date) that return the patient's ongoing `Episode` of each condition, or None:

- non_responder (routine): the check-in marked as the 72-hour check is not a responder by
  `is_responder`. Episode: that check-in.
- worsening (high): pain now is 3 or more points above the lowest pain now of the check-ins in the
  14 days before it (a possible new or adjacent fracture). Episode: the run of consecutive
  check-ins meeting this, up to the latest; it starts at the run's first check-in.
- missed_checkins (routine): 3 or more whole local days without a check-in, all within days 1-14
  after the procedure, and the silence still lasting. Episode: the silence, keyed by its last
  check-in (or the procedure day when there was none). Not for discharged patients.

Once per episode, without a schema change: an alert's `checkin_id` and `detail` carry the
episode's key: detail "p<procedure id>:72h" (non-responder), "p<procedure id>:since:<date>" where
the date is the run's first check-in (worsening) or the last check-in before the silence, or the
procedure day (missed check-ins); checkin_id is that check-in.
An alert is raised only when no alert of that kind with that key exists, open or acknowledged;
so re-evaluation never duplicates, and a condition that clears and comes back starts a new
episode with a new key, hence a new alert. The unique constraint (checkin_id, kind, detail)
also stops two concurrent writers from raising the same episode twice (when checkin_id is set).

When an episode ends, an open alert of a kind in AUTO_CLOSE is closed with a note and no
acknowledging user (the patient checked in again or was discharged; the 72-hour answer was
corrected, or the procedure's time was, so another check-in became the 72-hour one). A worsening
alert stays open until a clinician has looked: pain that came back down may still be a fracture.
"""

from .evaluate import Outcome, evaluate_all, evaluate_patient, load
from .listing import (
    KIND_LABELS,
    PAGE_SIZE,
    TriageItem,
    TriagePage,
    parse_page,
    severity_counts,
    severity_rank,
    triage_list,
    triage_page,
)
from .rules import (
    AUTO_CLOSE,
    RULES,
    SEVERITY,
    SEVERITY_ORDER,
    TRIAGE_KINDS,
    Entry,
    Episode,
    Existing,
    Facts,
    episodes,
    missed_checkins,
    non_responder,
    persistent_pain,
    reconcile,
    silent_since,
    worsening,
)

__all__ = [
    "AUTO_CLOSE", "KIND_LABELS", "PAGE_SIZE", "RULES", "SEVERITY", "SEVERITY_ORDER", "TRIAGE_KINDS", "Entry",
    "Episode", "Existing", "Facts", "Outcome", "TriageItem", "TriagePage", "episodes", "evaluate_all",
    "evaluate_patient", "load", "missed_checkins", "non_responder", "persistent_pain", "reconcile",
    "parse_page", "severity_counts", "severity_rank", "silent_since", "triage_list", "triage_page",
    "worsening",
]
