"""The check-in form's choices and words; the service (services.checkins) does the validation.

The form is plain HTML rather than a FlaskForm because save_checkin parses the raw answers
itself, so field names, limits and messages live in one place.
"""

from flask_babel import lazy_gettext as _l

from ..models import RED_FLAGS
from ..services.alerts import FLAG_LABELS
from ..services.checkins import WALKING_LEVELS

# Words beside every number, so the scale never relies on the number (or colour) alone.
PAIN_WORDS = {
    0: _l("No pain"),
    1: _l("Mild"),
    2: _l("Mild"),
    3: _l("Mild"),
    4: _l("Moderate"),
    5: _l("Moderate"),
    6: _l("Moderate"),
    7: _l("Severe"),
    8: _l("Severe"),
    9: _l("Severe"),
    10: _l("Worst imaginable"),
}
MEDICATION_LABELS = {
    "none": _l("None"),
    "otc": _l("Over-the-counter (bought without a prescription)"),
    "prescription": _l("Prescription pain medicine"),
}
NOTE_MAX = 1000
FIELDS = ("pain_now", "worst_pain", "walking_level", "minutes_upright", "medication",
          "sleep_disturbed", "note") + RED_FLAGS


def prefill(checkin) -> dict[str, str]:
    """Today's saved answers as the strings the form would post (empty when there is none)."""
    if checkin is None:
        return {}
    values = {}
    for name in FIELDS:
        value = getattr(checkin, name)
        if isinstance(value, bool):
            values[name] = "yes" if value else "no"
        else:
            values[name] = "" if value is None else str(value)
    return values


def choices() -> dict:
    """Everything the check-in template needs to draw its questions."""
    return {
        "pain_words": PAIN_WORDS,
        "walking_levels": WALKING_LEVELS,
        "medication_labels": MEDICATION_LABELS,
        "flag_labels": FLAG_LABELS,
        "red_flags": RED_FLAGS,
        "note_max": NOTE_MAX,
    }
