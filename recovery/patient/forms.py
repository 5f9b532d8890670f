"""The patient forms' choices and words; the services (checkins, preferences) do the validation.

The forms are plain HTML rather than FlaskForms because the services parse the raw answers
themselves, so field names, limits and messages live in one place.
"""

from flask_babel import lazy_gettext as _l

from .. import vocabulary
from ..models import NOTE_MAX, RED_FLAGS
from ..services.alerts import FLAG_LABELS
from ..services.checkins import WALKING_LEVELS, form_answers

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


def prefill(checkin) -> dict[str, str]:
    """Today's saved answers as the strings the form would post (empty when there is none)."""
    return form_answers(checkin)


def kept_answers(checkin, submitted) -> dict[str, str]:
    """The form's values after a partial save: what is stored, with what was just typed on top."""
    return form_answers(checkin, submitted)


def still_missing(checkin) -> dict[str, str]:
    """Today's unanswered questions, marked on the form (nothing when there is no check-in yet)."""
    if checkin is None:
        return {}
    return {name: str(_l("Not answered yet: please answer this question.")) for name in checkin.missing}


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
