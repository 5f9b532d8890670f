"""The printable follow-up visit summary: one page a clinician reads with the patient.

What it holds, from the patient's record: the 72-hour check and the latest check-in against the
baseline (change and responder status from the one `is_responder`), the recovery chart sized for
paper, every alert with how it was handled, how pain medication changed over time, and the
bone-health questions the trials asked of every patient (osteoporosis treatment, a DXA scan).
"""

from dataclasses import dataclass
from datetime import date, datetime

from ..models import Alert, Appointment, CheckIn, User, recovery_day
from . import audit, figures
from .clinic import PatientRecord, patient_record
from .errors import NotFound
from .responder import is_responder

MAX_ALERTS = 6  # more would push the page past one sheet; the patient page lists them all
# Sized to fit the printable width of both A4 and Letter portrait with 12 mm margins (~700 px).
CHART_WIDTH, CHART_HEIGHT = 680, 290


@dataclass(frozen=True)
class Numbers:
    """One check-in's numbers set against the baseline."""

    date: date
    day: int  # days since the procedure, 0 = procedure day in the patient's zone
    pain_now: int
    worst_pain: int
    walking_level: int
    medication: str
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
    audit.record(viewer, "patient.visit_summary", record.patient, now)
    return VisitSummary(
        record=record, visit=visit,
        at_72h=_numbers(check, record) if check else None,
        latest=_numbers(own[-1], record) if own else None,
        alerts=record.alerts[:MAX_ALERTS], more_alerts=max(0, len(record.alerts) - MAX_ALERTS),
        medication=medication_trend(own, record), chart=print_chart(record),
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
        day = _day(checkin, record)
        if spans and spans[-1].medication == checkin.medication:
            last = spans[-1]
            spans[-1] = MedicationSpan(last.medication, last.first_day, day, last.checkins + 1)
        else:
            spans.append(MedicationSpan(checkin.medication, day, day, 1))
    return spans


def print_chart(record: PatientRecord) -> figures.Chart | None:
    """The clinician's recovery chart (pain above, walking below) at a fixed size for paper."""
    chart = figures.patient_chart(record)
    if chart is None:
        return None
    figure = dict(chart.figure)
    figure["layout"] = {**figure["layout"], "width": CHART_WIDTH, "height": CHART_HEIGHT, "autosize": False,
                        "margin": {"l": 110, "r": 10, "t": 22, "b": 58},
                        "legend": {"orientation": "h", "x": 0, "y": -0.24, "yanchor": "top"},
                        "font": {**figure["layout"].get("font", {}), "size": 10}}
    figure["config"] = {"responsive": False, "staticPlot": True, "displayModeBar": False}
    return figures.Chart(figure, chart.band_caption)
