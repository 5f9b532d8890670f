"""The daily check-in form, as the patient's own pages and the e-mailed check-in link both show it:
its choices and words, its values after a save, and the two pages a submission can lead to (the
urgent guidance for a red flag, and the "not saved" page when the database fails). The services
(checkins) do the validation.

The form is plain HTML rather than a FlaskForm because the services parse the raw answers
themselves, so field names, limits and messages live in one place.
"""

from flask import render_template
from flask_babel import lazy_gettext as _l

from . import vocabulary
from .models import NOTE_MAX, RED_FLAGS
from .services import checkins
from .services.alerts import FLAG_LABELS
from .services.checkins import WALKING_LEVELS, form_answers
from .services.guidance import urgent_guidance

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


def urgent_page(result, submitted, form_action: str):
    """The urgent guidance for a saved red flag; when answers are still missing, the check-in
    form below it with every answer kept and the missing ones marked."""
    values = kept_answers(result.checkin, submitted) if not result.complete else {}
    return render_template(
        "patient/urgent.html", checkin=result.checkin, guidance=urgent_guidance(result.red_flags),
        result=result, values=values, errors=result.errors, form_action=form_action, today=result.checkin,
        **choices(),
    )


def not_saved_page(answers, form_action: str):
    """The database failed: the guidance for the answers sent, and the form again with them (503)."""
    guidance = urgent_guidance(checkins.reported_flags(answers), saved=False)
    return render_template("patient/not_saved.html", guidance=guidance, values=answers, errors={},
                           form_action=form_action, **choices()), 503
