"""The cohort's RMDQ by outcome time point and procedure type: median and quartiles, responders,
and how many time points were completed.

How the numbers are made (the cohort page states the same):

- Each patient counts once, through their current procedure, narrowed by the cohort page's
  filters (services/cohort.filtered, so page, chart and CSV never read a filter differently).
- n: the patients with an RMDQ score at the time point. Median and quartiles use the inclusive
  method, `statistics.quantiles(method="inclusive")` (the same as PostgreSQL's percentile_cont,
  and as the pain table above); a single score is its own quartiles.
- Responders: among the patients with both a baseline RMDQ and one at the time point, those whose
  score fell by a meaningful change (services/responder.meaningful_improvement: 5 points and 30%).
- Completed: time points answered in full (every instrument the point asks, as on the patient's
  own page) out of those the patient was asked and could have answered: the window has closed,
  or it is still open but already answered. A point still open and unanswered counts in neither.

How they are computed, for 10,000 patients: three grouped statements, none per patient. The
scores come back grouped by (type, time point, score, baseline score), at most a few thousand
rows; Python expands those counts into the sorted scores for the exact quartiles. Whether a
window has closed is the timepoints rule (closes at the start of the local day after its last)
turned into one UTC cut-off per zone in use, so SQL compares a column with literals and both
databases give the same answer.
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, distinct, false, func, or_, select, union
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import (
    PROCEDURE_TYPES,
    Patient,
    Procedure,
    QuestionnaireResponse,
    is_current,
    recovery_day_between,
)
from .cohort import CohortFilters, filtered
from .responder import MEANINGFUL_FALL, meaningful_improvement
from .timepoints import CHECK_WINDOW, TimePoint

INSTRUMENT = "rmdq"
RULE = _l("A responder's RMDQ score fell from their baseline by at least %(points)s points and at least "
          "%(percent)s%% (both at once).", points=MEANINGFUL_FALL[INSTRUMENT][0],
          percent=MEANINGFUL_FALL[INSTRUMENT][1])


@dataclass(frozen=True)
class OutcomeCell:
    """One procedure type at one time point."""

    point: TimePoint
    n: int  # patients with an RMDQ score here
    median: float | None
    q1: float | None
    q3: float | None
    paired: int  # of them, those with a baseline RMDQ too (the responder rate's denominator)
    responders: int
    completed: int  # the time point answered in full
    expected: int  # asked and closed, or answered: the completion share's denominator

    @property
    def responder_rate(self) -> float | None:
        return self.responders / self.paired if self.paired else None

    @property
    def completion(self) -> float | None:
        return self.completed / self.expected if self.expected else None


@dataclass(frozen=True)
class OutcomeSeries:
    name: str  # the procedure type
    cells: tuple[OutcomeCell, ...]  # in the schedule's order


@dataclass(frozen=True)
class OutcomeStats:
    points: tuple[TimePoint, ...]  # the time points asked (the clinic's schedule)
    series: tuple[OutcomeSeries, ...]

    @property
    def empty(self) -> bool:
        return all(c.n == 0 and c.expected == 0 for s in self.series for c in s.cells)


def _zone_column(now: datetime):
    """The zone each patient's days are counted in at `now` (services/checkins.day_zone in SQL)."""
    return case((and_(Patient.timezone_from.is_not(None), Patient.timezone_from > now,
                      Patient.previous_timezone.is_not(None)), Patient.previous_timezone),
                else_=Patient.timezone)


def _closed(point: TimePoint, now: datetime, zones) -> object:
    """SQL: true where the point's window (services/timepoints.window) had closed by `now`."""
    if point.key == "baseline":  # closes when the procedure is performed
        return Procedure.performed_at <= now
    if point.key == "72h":
        return Procedure.performed_at <= now - CHECK_WINDOW[1]
    # Closes at the start of local day `day + after + 1` after the procedure day: closed once the
    # recovery day at `now` is at least that.
    return recovery_day_between(Procedure.performed_at, _zone_column(now), now, zones,
                                first=point.day + point.after + 1)


def _zones() -> list[str]:
    rows = db.session.execute(union(select(Patient.timezone),
                                    select(Patient.previous_timezone).where(Patient.previous_timezone.is_not(None))))
    return sorted(zone for (zone,) in rows)


def _scores(filters: CohortFilters, zone: ZoneInfo):
    """(type, time point, score, baseline score, patients) for the RMDQ of current procedures."""
    answer, base = aliased(QuestionnaireResponse), aliased(QuestionnaireResponse)
    stmt = (
        select(Procedure.type, answer.time_point, answer.score, base.score, func.count())
        .select_from(answer)
        .join(Procedure, Procedure.id == answer.procedure_id)
        .join(Patient, Patient.id == Procedure.patient_id)
        .outerjoin(base, and_(base.procedure_id == answer.procedure_id, base.instrument == INSTRUMENT,
                              base.time_point == "baseline"))
        .where(answer.instrument == INSTRUMENT, answer.score.is_not(None), is_current(Procedure))
        .group_by(Procedure.type, answer.time_point, answer.score, base.score)
    )
    return filtered(stmt, filters, zone)


def _completed(points, filters: CohortFilters, zone: ZoneInfo, now: datetime, zones):
    """(type, time point, window closed, patients) for the time points answered in full."""
    qr = QuestionnaireResponse
    asked = [and_(qr.time_point == p.key, qr.instrument.in_(p.instruments)) for p in points]
    needed = case({p.key: len(p.instruments) for p in points}, value=qr.time_point)
    done = (select(qr.procedure_id, qr.time_point)
            .where(or_(false(), *asked))
            .group_by(qr.procedure_id, qr.time_point)
            .having(func.count(distinct(qr.instrument)) == needed)
            .subquery())
    closed = case(*((and_(done.c.time_point == p.key, _closed(p, now, zones)), 1) for p in points), else_=0)
    stmt = (
        select(Procedure.type, done.c.time_point, closed, func.count())
        .select_from(done)
        .join(Procedure, Procedure.id == done.c.procedure_id)
        .join(Patient, Patient.id == Procedure.patient_id)
        .where(is_current(Procedure))
        .group_by(Procedure.type, done.c.time_point, closed)
    )
    return filtered(stmt, filters, zone)


def _closed_counts(points, filters: CohortFilters, zone: ZoneInfo, now: datetime, zones):
    """(type, then per point the patients whose window had closed by `now`)."""
    stmt = (
        select(Procedure.type, *(func.sum(case((_closed(p, now, zones), 1), else_=0)) for p in points))
        .join(Patient, Patient.id == Procedure.patient_id)
        .where(is_current(Procedure))
        .group_by(Procedure.type)
    )
    return filtered(stmt, filters, zone)


def quartiles(values: list[float]) -> tuple[float | None, float | None, float | None]:
    """(Q1, median, Q3) of sorted `values` by the inclusive method; None for none."""
    if not values:
        return None, None, None
    if len(values) == 1:  # statistics.quantiles needs two; one value is its own quartiles
        return float(values[0]), float(values[0]), float(values[0])
    q1, _median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return float(q1), float(statistics.median(values)), float(q3)


def outcome_statistics(filters: CohortFilters, now: datetime, clinic_tz: str | None = None,
                       schedule: tuple[TimePoint, ...] | None = None) -> OutcomeStats:
    """RMDQ by time point and procedure type for the filtered cohort at `now`, in three statements."""
    zone = ZoneInfo(clinic_tz or current_app.config["CLINIC_TIMEZONE"])
    asked = schedule or current_app.config["OUTCOME_SCHEDULE"]
    points = tuple(p for p in asked if INSTRUMENT in p.instruments)
    kinds = (filters.procedure_type,) if filters.procedure_type else PROCEDURE_TYPES
    if not points:
        return OutcomeStats((), tuple(OutcomeSeries(k, ()) for k in kinds))
    zones = _zones()
    scores: dict[tuple[str, str], list[tuple[float, float | None, int]]] = defaultdict(list)
    for kind, point, score, baseline, count in db.session.execute(_scores(filters, zone)):
        scores[(kind, point)].append((score, baseline, count))
    answered_closed, answered_open = defaultdict(int), defaultdict(int)
    for kind, point, closed, count in db.session.execute(_completed(points, filters, zone, now, zones)):
        (answered_closed if closed else answered_open)[(kind, point)] += count
    closing = _closed_counts(points, filters, zone, now, zones)
    closed_counts = {kind: counts for kind, *counts in db.session.execute(closing)}
    series = []
    for kind in kinds:
        cells = []
        for i, point in enumerate(points):
            groups = scores.get((kind, point.key), [])
            values = sorted(v for score, _, count in groups for v in [score] * count)
            q1, median, q3 = quartiles(values)
            paired = [(score, baseline, count) for score, baseline, count in groups if baseline is not None]
            responders = 0
            if point.key != "baseline":
                responders = sum(count for score, baseline, count in paired
                                 if meaningful_improvement(INSTRUMENT, baseline, score))
            closed = int((closed_counts.get(kind) or [0] * len(points))[i] or 0)
            cells.append(OutcomeCell(
                point, len(values), median, q1, q3,
                0 if point.key == "baseline" else sum(count for *_, count in paired), responders,
                answered_closed[(kind, point.key)] + answered_open[(kind, point.key)],
                closed + answered_open[(kind, point.key)]))
        series.append(OutcomeSeries(kind, tuple(cells)))
    return OutcomeStats(points, tuple(series))

