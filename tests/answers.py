"""One complete set of daily check-in answers for the whole suite: moderate pain, walking with
help, over-the-counter pain relief and every red flag answered "no". Tests change only what they
are about: `checkin_answers(pain_now=9, flag_neuro="yes")`.

`form=True` gives the values as a browser posts them (strings), for page and link tests.
"""

from recovery.models.checkins import ANSWERS, RED_FLAGS

_TYPICAL = {"pain_now": 4, "worst_pain": 6, "walking_level": 2, "minutes_upright": 20,
            "medication": "otc", "sleep_disturbed": "no", **{flag: "no" for flag in RED_FLAGS}}
assert set(_TYPICAL) == set(ANSWERS), "a check-in answer was added: give it a typical value here"


def checkin_answers(*, form: bool = False, without: tuple[str, ...] = (), **changes) -> dict:
    """Every answer of a check-in (the typical ones, then `changes`), minus those in `without`."""
    unknown = set(changes) - set(_TYPICAL) - {"note"}
    if unknown:
        raise TypeError(f"not a check-in answer: {', '.join(sorted(unknown))}")
    answers = {name: value for name, value in {**_TYPICAL, **changes}.items() if name not in without}
    return {name: str(value) for name, value in answers.items()} if form else answers
