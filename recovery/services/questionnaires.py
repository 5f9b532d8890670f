"""A patient's outcome questionnaires: which are open now, answering one, and the answers kept.

The definitions come from recovery/instruments (read at start-up), the time points and their
windows from services/timepoints.py (config OUTCOME_SCHEDULE). An answer is accepted only while
its time point's window is open and only for an instrument asked there; bad answers write
nothing. Answering again in the same window updates the response and keeps the earlier one.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import instruments, vocabulary
from ..database import begin_write
from ..extensions import db
from ..instruments import answers as instrument_answers
from ..instruments import scoring
from ..instruments.definitions import Instrument
from ..models import Patient, Procedure, QuestionnaireResponse, QuestionnaireResponseRevision, User
from .checkins import day_zone
from .errors import NotFound, ValidationError
from .responder import meaningful_improvement
from .timepoints import PointStatus, TimePoint, point_open_at, statuses, window


def schedule() -> tuple[TimePoint, ...]:
    """The time points this clinic asks, as checked at start-up."""
    return current_app.config["OUTCOME_SCHEDULE"]


def catalogue() -> dict[str, Instrument]:
    """Every instrument defined, by key (recovery/instruments)."""
    return instruments.catalogue()


def instrument(key: str) -> Instrument:
    """The instrument by its key, or NotFound (an unknown one looks like any missing page)."""
    found = instruments.catalogue().get(key)
    if found is None:
        raise NotFound(key)
    return found


@dataclass(frozen=True)
class OpenPoint:
    """The time point whose window is open now, when it closes, and what it still asks."""

    point: TimePoint
    closes: datetime
    unanswered: tuple[str, ...]  # instrument keys, in the point's order


def _answered(procedure: Procedure) -> set[tuple[str, str]]:
    rows = db.session.execute(select(QuestionnaireResponse.time_point, QuestionnaireResponse.instrument)
                              .where(QuestionnaireResponse.procedure_id == procedure.id))
    return {(point, key) for point, key in rows}


def point_statuses(patient: Patient, now: datetime) -> list[PointStatus]:
    """Each time point's status for the patient's current procedure at `now` (none without one)."""
    procedure = patient.current_procedure
    if procedure is None:
        return []
    return statuses(schedule(), procedure.performed_at, day_zone(patient, now), _answered(procedure), now)


def open_now(patient: Patient, now: datetime) -> OpenPoint | None:
    """The time point open for the patient at `now`, if any (none once discharged)."""
    procedure = patient.current_procedure
    if procedure is None or patient.discharged:
        return None
    zone = day_zone(patient, now)
    point = point_open_at(schedule(), procedure.performed_at, zone, now)
    if point is None:
        return None
    answered = _answered(procedure)
    return OpenPoint(point, window(point, procedure.performed_at, zone)[1],
                     tuple(key for key in point.instruments if (point.key, key) not in answered))


def current_response(patient: Patient, point: TimePoint, key: str) -> QuestionnaireResponse | None:
    """The response to `key` at `point` of the patient's current procedure, if answered."""
    procedure = patient.current_procedure
    if procedure is None:
        return None
    return db.session.scalar(select(QuestionnaireResponse).where(
        QuestionnaireResponse.procedure_id == procedure.id, QuestionnaireResponse.time_point == point.key,
        QuestionnaireResponse.instrument == key))


@dataclass(frozen=True)
class Submitted:
    response_id: int
    created: bool
    score: float | None


def snapshot(response: QuestionnaireResponse) -> dict:
    """A response's answers and score as plain JSON values, for its revision."""
    return {"answers": response.answers, "score": response.score, "score_parts": response.score_parts,
            "instrument_version": response.instrument_version, "updated_at": response.updated_at.isoformat(),
            "entered_by_id": response.entered_by_id}


def _locked(procedure_id: int, point: str, key: str) -> QuestionnaireResponse | None:
    """The response row, locked until commit and read afresh (a second tab waits for this one)."""
    return db.session.scalar(
        select(QuestionnaireResponse).where(
            QuestionnaireResponse.procedure_id == procedure_id, QuestionnaireResponse.time_point == point,
            QuestionnaireResponse.instrument == key)
        .with_for_update().execution_options(populate_existing=True))


def submit(patient: Patient, key: str, sent, now: datetime, entered_by: User | None = None) -> Submitted:
    """Save the patient's answers to instrument `key` at the time point open now, or update them.

    NotFound for an instrument not defined; ValidationError, with a message by each item at
    fault (or by "form" when nothing can be answered now), writes nothing: the caller rolls back.
    `sent` maps linkIds to what the form sent (other fields are the caller's to leave out)."""
    definition = instrument(key)
    procedure = patient.current_procedure
    if procedure is None:
        raise ValidationError({"form": str(_l("No procedure has been recorded for you yet."))})
    opened = open_now(patient, now)
    if opened is None or key not in opened.point.instruments:
        raise ValidationError({"form": str(_l("This questionnaire is not open now, so nothing was saved."))})
    answers, errors = instrument_answers.check(definition, sent)
    if errors:
        raise ValidationError({link: str(message) for link, message in errors.items()})
    result = scoring.score(definition, answers)
    by = entered_by.id if entered_by else None
    values = {"answers": answers, "score": result.value, "score_parts": result.parts,
              "instrument_version": definition.version}
    begin_write(db.session)
    response = _locked(procedure.id, opened.point.key, key)
    created = False
    if response is None:
        response = QuestionnaireResponse(patient_id=patient.id, procedure_id=procedure.id,
                                         time_point=opened.point.key, instrument=key, submitted_at=now,
                                         updated_at=now, entered_by_id=by, **values)
        try:
            with db.session.begin_nested():
                db.session.add(response)
            created = True
        except IntegrityError:  # a double click won the race: update the row it wrote
            response = _locked(procedure.id, opened.point.key, key)
    if not created:
        db.session.add(QuestionnaireResponseRevision(response_id=response.id, snapshot=snapshot(response),
                                                     replaced_at=now, replaced_by_id=by))
        for name, value in values.items():
            setattr(response, name, value)
        response.updated_at = now
        if by is not None:
            response.entered_by_id = by
    db.session.flush()
    return Submitted(response.id, created, result.value)


@dataclass(frozen=True)
class ScoreRow:
    """One answered time point of an instrument, as the clinician's page shows it."""

    point: str  # the time point's code
    label: object
    score: float | None
    words: str | None  # the answer chosen, for a one-question instrument (the global impression)
    change: float | None  # score minus the baseline score; None without both
    meaningful: bool | None  # services/responder.meaningful_improvement
    updated_at: datetime


@dataclass(frozen=True)
class ScoreHistory:
    key: str
    title: str
    baseline: float | None
    rows: tuple[ScoreRow, ...]


def score_history(patient: Patient) -> list[ScoreHistory]:
    """Each instrument the patient answered for their current procedure, its scores by time point
    in order, with the change from its baseline and whether it is a meaningful improvement."""
    procedure = patient.current_procedure
    if procedure is None:
        return []
    order = list(vocabulary.OUTCOME_TIME_POINTS)
    responses = sorted(db.session.scalars(select(QuestionnaireResponse).where(
        QuestionnaireResponse.procedure_id == procedure.id)), key=lambda r: order.index(r.time_point))
    defined = catalogue()
    histories = []
    for key in dict.fromkeys(r.instrument for r in responses):
        mine = [r for r in responses if r.instrument == key]
        baseline = next((r.score for r in mine if r.time_point == "baseline"), None)
        definition = defined.get(key)
        rows = []
        for r in mine:
            words = None
            questions = definition.questions if definition is not None else ()
            if len(questions) == 1 and questions[0].kind == "choice":
                option = questions[0].option(r.answers.get(questions[0].link_id))
                words = option.display if option else None
            after = r.time_point != "baseline" and baseline is not None and r.score is not None
            rows.append(ScoreRow(r.time_point, vocabulary.OUTCOME_TIME_POINTS[r.time_point], r.score, words,
                                 r.score - baseline if after else None,
                                 meaningful_improvement(key, baseline, r.score) if after else None,
                                 r.updated_at))
        histories.append(ScoreHistory(key, definition.title if definition else key, baseline, tuple(rows)))
    return histories
