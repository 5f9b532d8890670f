"""Scoring: one plain function per instrument Recovery ships the scoring of.

Each function takes the instrument's definition and a patient's answers (linkId -> True for a
ticked statement, an option's code for a choice, a whole number for a number item; an item left
out is unanswered) that already passed `answers.check` (recovery/instruments/answers.py), and
returns a Score. The published rules are in ../shared/CLINICAL.md ("Instruments: scoring and terms
of use"). Each instrument also says which shape of definition its function can score (`fits`), so
a clinic's drop-in with the wrong number of sections stops start-up instead of scoring wrongly.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .definitions import DefinitionError, Instrument

RMDQ_STATEMENTS = 24
ODI_SECTIONS = 10
ODI_MAX_MISSING = 2  # more sections unanswered than this: the ODI is not scored
EQ5D_DIMENSIONS = 5


@dataclass(frozen=True)
class Score:
    """An instrument's result. `value` is None when the answers cannot be scored (an ODI with more
    than two sections missing); `parts` holds the figures beside it (EQ-5D-5L: profile and VAS)."""

    value: float | None
    parts: dict = field(default_factory=dict)


def score_rmdq(instrument: Instrument, answers: Mapping) -> Score:
    """RMDQ-24: the number of statements ticked, 0-24, higher is worse. A statement not ticked (or
    marked "does not apply") scores 0, so an empty checklist is a score of 0, not a missing one."""
    ticked = sum(1 for item in instrument.questions if answers.get(item.link_id) is True)
    return Score(ticked)


def score_global_impression(instrument: Instrument, answers: Mapping) -> Score:
    """Global impression of change: the points of the option chosen, 1 (very much better) to 7
    (very much worse), 4 being no change."""
    (item,) = instrument.questions
    option = item.option(answers.get(item.link_id))
    return Score(option.points if option else None)


def score_odi(instrument: Instrument, answers: Mapping) -> Score:
    """ODI 2.1a: ten sections scored 0-5; score = sum / (5 x sections answered) x 100, to one
    decimal (0 best, 100 worst). Not scored when more than two sections are unanswered."""
    points = [item.option(answers[item.link_id]).points
              for item in instrument.questions if answers.get(item.link_id) is not None]
    missing = ODI_SECTIONS - len(points)
    if missing > ODI_MAX_MISSING:
        return Score(None, {"answered": len(points)})
    return Score(round(sum(points) / (5 * len(points)) * 100, 1), {"answered": len(points)})


def score_eq5d5l(instrument: Instrument, answers: Mapping) -> Score:
    """EQ-5D-5L: the five levels as given (the profile, e.g. "21132") and the EQ VAS (0-100).
    The level sum (5-25) is a descriptive figure only: an index needs a country's value set,
    which Recovery does not ship. No sum unless all five dimensions are answered."""
    dimensions = [item for item in instrument.questions if item.kind == "choice"]
    (vas_item,) = [item for item in instrument.questions if item.kind == "integer"]
    levels = [item.option(answers[item.link_id]).points if answers.get(item.link_id) is not None else None
              for item in dimensions]
    vas = answers.get(vas_item.link_id)
    if None in levels:
        return Score(None, {"profile": None, "vas": vas})
    return Score(sum(levels), {"profile": "".join(str(level) for level in levels), "vas": vas})


def _fits_rmdq(instrument: Instrument) -> None:
    questions = instrument.questions
    if len(questions) != RMDQ_STATEMENTS or any(i.kind != "boolean" for i in questions):
        raise DefinitionError(f"the RMDQ needs {RMDQ_STATEMENTS} statements to tick (boolean items)")
    if any(i.required for i in questions):
        raise DefinitionError("an RMDQ statement cannot be required: one not ticked scores 0")


def _choices_scoring(instrument: Instrument, count: int, points: set[int], name: str) -> None:
    choices = [i for i in instrument.questions if i.kind == "choice"]
    if len(choices) != count:
        raise DefinitionError(f"the {name} needs {count} choice items, not {len(choices)}")
    for item in choices:
        if {o.points for o in item.options} != points or len(item.options) != len(points):
            raise DefinitionError(f"item {item.link_id!r}: each {name} option scores one of "
                                  f"{min(points)}-{max(points)}, each once")


def _fits_global_impression(instrument: Instrument) -> None:
    if len(instrument.questions) != 1:
        raise DefinitionError("the global impression of change is one question")
    _choices_scoring(instrument, 1, set(range(1, 8)), "global impression of change")


def _fits_odi(instrument: Instrument) -> None:
    if len(instrument.questions) != ODI_SECTIONS:
        raise DefinitionError(f"the ODI needs {ODI_SECTIONS} sections")
    _choices_scoring(instrument, ODI_SECTIONS, set(range(6)), "ODI")


def _fits_eq5d5l(instrument: Instrument) -> None:
    numbers = [i for i in instrument.questions if i.kind == "integer"]
    if len(instrument.questions) != EQ5D_DIMENSIONS + 1 or len(numbers) != 1:
        raise DefinitionError("the EQ-5D-5L needs five dimensions and one EQ VAS (integer item)")
    if (numbers[0].min_value, numbers[0].max_value) != (0, 100):
        raise DefinitionError("the EQ VAS runs from 0 to 100")
    _choices_scoring(instrument, EQ5D_DIMENSIONS, set(range(1, 6)), "EQ-5D-5L")


@dataclass(frozen=True)
class Scoring:
    """What Recovery knows of one instrument besides its file: how to score it and which
    definitions that function can score."""

    score: Callable[[Instrument, Mapping], Score]
    fits: Callable[[Instrument], None]


# The instruments Recovery can score, by the identifier value their Questionnaire carries.
SCORING: dict[str, Scoring] = {
    "rmdq": Scoring(score_rmdq, _fits_rmdq),
    "global_impression": Scoring(score_global_impression, _fits_global_impression),
    "odi": Scoring(score_odi, _fits_odi),
    "eq5d5l": Scoring(score_eq5d5l, _fits_eq5d5l),
}


def score(instrument: Instrument, answers: Mapping) -> Score:
    """The instrument's score by its own function."""
    return SCORING[instrument.key].score(instrument, answers)
