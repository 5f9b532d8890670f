"""The patient forms' choices and words; the services (checkins, preferences) do the validation.

The forms are plain HTML rather than FlaskForms because the services parse the raw answers
themselves, so field names, limits and messages live in one place.
"""

from flask_babel import lazy_gettext as _l

from .. import vocabulary
from ..models import NOTE_MAX, RED_FLAGS
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
MEDICATION_LABELS = vocabulary.MEDICATION
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


def settings_choices(current_timezone: str | None) -> dict:
    """The options the settings form offers; a zone outside the short list is shown by its name."""
    return {
        "timezone_options": vocabulary.timezone_options(current_timezone),
        "language_options": list(vocabulary.LANGUAGES.items()),
    }
