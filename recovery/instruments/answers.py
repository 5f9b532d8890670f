"""A patient's answers to a questionnaire, checked against its definition before anything is written.

`check` takes what a form (or, later, the API) sent, keyed by linkId, and returns the typed
answers with no error, or a message by each item at fault: an item the questionnaire does not
have, an answer outside an item's options or bounds, a required item left out, or answers the
instrument cannot score (an ODI with more than two sections unanswered).
"""

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

from .definitions import Instrument, Item
from .scoring import score

# A ticked statement, from a check box (its value) or from JSON.
TICKED = ("yes", True)
NOT_TICKED = ("no", "", False, None)


def _value(item: Item, raw):
    """The typed answer, None for unanswered, or raise ValueError with the message to show."""
    if isinstance(raw, list | tuple):
        if len(raw) != 1:
            raise ValueError(_l("Give one answer."))
        raw = raw[0]
    if isinstance(raw, str):
        raw = raw.strip()
    if item.kind == "boolean":
        if raw in TICKED:
            return True
        if raw in NOT_TICKED:
            return None  # not ticked: unanswered, which the RMDQ scores 0
        raise ValueError(_l("Tick the statement or leave it blank."))
    if raw in ("", None):
        return None
    if item.kind == "choice":
        if not isinstance(raw, str) or item.option(raw) is None:
            raise ValueError(_l("Choose one of the answers offered."))
        return raw
    # integer
    text = str(raw)
    if isinstance(raw, bool) or not (text.isdecimal() or (text.startswith("-") and text[1:].isdecimal())) \
            or not item.min_value <= int(text) <= item.max_value:
        raise ValueError(_l("Enter a whole number from %(low)s to %(high)s.",
                            low=item.min_value, high=item.max_value))
    return int(text)


def check(instrument: Instrument, sent: Mapping) -> tuple[dict, dict]:
    """(answers, errors): answers by linkId (unanswered items left out); errors by linkId."""
    answers, errors = {}, {}
    for link_id in sent:
        if instrument.item(link_id) is None:
            errors[link_id] = _l("This question is not part of the questionnaire.")
    for item in instrument.questions:
        try:
            value = _value(item, sent.get(item.link_id))
        except ValueError as error:
            errors[item.link_id] = error.args[0]
            continue
        if value is None:
            if item.required:
                errors[item.link_id] = _l("Answer this question.")
        else:
            answers[item.link_id] = value
    if not errors and score(instrument, answers).value is None:
        for item in instrument.questions:
            if item.link_id not in answers:
                errors[item.link_id] = _l("Answer this question: too many are unanswered to give a score.")
    return (answers, {}) if not errors else ({}, errors)
