"""The printable follow-up visit summary: one page a clinician reads with the patient.

What it holds, from the patient's record: the 72-hour check and the latest check-in against the
baseline (change and responder status from the one `is_responder`), the recovery chart sized for
paper, every alert with how it was handled, how pain medication changed over time, the outcome
questionnaires' scores by time point with the change from baseline and whether it is a meaningful
improvement (questionnaires.score_history, the patient page's one source, so page and paper agree),
and the bone-health questions the trials asked of every patient (osteoporosis treatment, a DXA scan).
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from .. import charts, vocabulary
from ..models import Alert, Appointment, CheckIn, User, recovery_day
from . import audit, figures
from .clinic import PatientRecord, patient_record
from .errors import NotFound
from .questionnaires import ScoreHistory, ScoreRow, score_history
from .responder import is_responder

# Short names for the printed table's first column: a full title wraps over three lines on paper.
SHORT_TITLES = {"rmdq": _l("RMDQ (0-24)"), "global_impression": _l("Global impression"),
                "odi": _l("ODI (0-100)"), "eq5d5l": _l("EQ-5D-5L")}
MAX_ALERTS = 6  # more would push the page past one sheet; the patient page lists them all
# Sized to fit the printable width of both A4 and Letter portrait with 12 mm margins (~700 px).
CHART_WIDTH, CHART_HEIGHT = 680, 290
PRINT_FONT = 10


@dataclass(frozen=True)
class Numbers:
    """One check-in's numbers set against the baseline."""

    date: date
    day: int  # days since the procedure, 0 = procedure day in the patient's zone
    pain_now: int
    worst_pain: int | None  # None: not answered (the pain-now answer is always there)
    walking_level: int | None
    medication: str | None
    change: int  # pain now minus baseline: negative is better
    responder: bool | None


@dataclass(frozen=True)
class MedicationSpan:
    """A run of consecutive check-ins reporting the same pain medication."""

    medication: str
    first_day: int
    last_day: int
    checkins: int


@dataclass
class VisitSummary:
    """Everything the printed page shows."""

    record: PatientRecord
    visit: Appointment | None  # the follow-up this summary is for, if any
    at_72h: Numbers | None
    latest: Numbers | None
    alerts: list[Alert]  # open first, then newest first, at most MAX_ALERTS
    more_alerts: int
    medication: list[MedicationSpan]
    chart: figures.Chart | None
    outcomes: list[ScoreHistory] = field(default_factory=list)

    @property
    def outcome_points(self) -> list[str]:
        """The time points any questionnaire was answered at, in the schedule's order: the
        columns of the printed table, one row per instrument."""
        answered = {row.point for history in self.outcomes for row in history.rows}
        return [key for key in vocabulary.OUTCOME_TIME_POINTS if key in answered]

    @staticmethod
    def short_title(history: ScoreHistory) -> str:
        return SHORT_TITLES.get(history.key, history.title)

    @staticmethod
    def outcome_cell(history: ScoreHistory, point: str) -> ScoreRow | None:
        return next((row for row in history.rows if row.point == point), None)

    @property
    def procedure(self):
        return self.record.procedure

    @property
    def osteoporotic(self) -> bool:
        return self.procedure is not None and self.procedure.fracture_cause == "osteoporosis"


def visit_summary(patient_id, viewer: User, now: datetime, visit_id=None) -> VisitSummary:
    """Build the summary and audit the opening; NotFound for an unknown patient or visit."""
    record = patient_record(patient_id, now)
    visit = _visit(record, visit_id, now)
    procedure = record.procedure
    own: list[CheckIn] = []
    if procedure is not None:
        own = sorted((c for c in record.checkins if c.procedure_id == procedure.id),
                     key=lambda c: c.local_date)
    check = next((c for c in own if c.is_72h_check), None)
    scored = [c for c in own if c.pain_now is not None]  # an incomplete check-in may have no pain
    outcomes = score_history(record.patient)
    audit.record(viewer, "patient.visit_summary", record.patient, now)
    return VisitSummary(
        record=record, visit=visit,
        at_72h=_numbers(check, record) if check else None,
        latest=_numbers(scored[-1], record) if scored else None,
        alerts=record.alerts[:MAX_ALERTS], more_alerts=max(0, len(record.alerts) - MAX_ALERTS),
        medication=medication_trend(own, record), chart=print_chart(record), outcomes=outcomes,
    )


def _visit(record: PatientRecord, visit_id, now: datetime) -> Appointment | None:
    if visit_id is not None:
        visit = next((a for a in record.appointments if a.id == visit_id), None)
        if visit is None:
            raise NotFound(visit_id)  # another patient's visit looks the same as none
        return visit
    follow_ups = [a for a in record.appointments if a.kind == "follow_up" and a.status == "scheduled"]
    ahead = [a for a in follow_ups if a.scheduled_for >= now]
    return ahead[0] if ahead else (follow_ups[-1] if follow_ups else None)


def _day(checkin: CheckIn, record: PatientRecord) -> int:
    return recovery_day(record.procedure.performed_at, checkin.local_date, record.patient.timezone)


def _numbers(checkin: CheckIn, record: PatientRecord) -> Numbers:
    baseline = record.procedure.baseline_pain
    return Numbers(checkin.local_date, _day(checkin, record), checkin.pain_now, checkin.worst_pain,
                   checkin.walking_level, checkin.medication, checkin.pain_now - baseline,
                   is_responder(baseline, checkin.pain_now))


def medication_trend(checkins: list[CheckIn], record: PatientRecord) -> list[MedicationSpan]:
    """Consecutive check-ins with the same medication, oldest first (prescription -> otc -> none)."""
    spans: list[MedicationSpan] = []
    for checkin in checkins:
        if checkin.medication is None:  # not answered: neither a change nor a continuation
            continue
        day = _day(checkin, record)
        if spans and spans[-1].medication == checkin.medication:
            last = spans[-1]
            spans[-1] = MedicationSpan(last.medication, last.first_day, day, last.checkins + 1)
        else:
            spans.append(MedicationSpan(checkin.medication, day, day, 1))
    return spans


def print_chart(record: PatientRecord) -> figures.Chart | None:
    """The clinician's recovery chart (pain above, walking below) at a fixed size for paper.

    On paper no label may cover another: the red flags stay as red triangles (their words are in
    the alerts list below the chart), and the event labels along the top are stacked in rows."""
    chart = figures.patient_chart(record)
    if chart is None:
        return None
    figure = dict(chart.figure)
    layout = figure["layout"]
    margin = {"l": 110, "r": 10, "t": 22, "b": 58}
    events = [a for a in layout.get("annotations", ()) if a.get("yref") == "paper"]
    labels, rows = charts.stack_event_labels(events, layout["xaxis"]["range"],
                                             CHART_WIDTH - margin["l"] - margin["r"], PRINT_FONT)
    figure["layout"] = {**layout, "width": CHART_WIDTH, "height": CHART_HEIGHT, "autosize": False,
                        "margin": {**margin, "t": 10 + max(1, rows) * (PRINT_FONT + 3)},
                        "annotations": labels,
                        "legend": {"orientation": "h", "x": 0, "y": -0.24, "yanchor": "top"},
                        "font": {**layout.get("font", {}), "size": PRINT_FONT}}
    figure["config"] = {"responsive": False, "staticPlot": True, "displayModeBar": False}
    return figures.Chart(figure, chart.band_caption)
