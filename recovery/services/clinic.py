"""The clinician's view: who needs attention first, and one patient's whole record."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    Alert,
    AlertNote,
    Appointment,
    CheckIn,
    Patient,
    Procedure,
    Reminder,
    User,
    current_procedure,
    is_current,
    recovery_day,
)
from . import audit
from .errors import NotFound
from .responder import is_responder
from .triage.listing import describe, episode_start
from .triage.rules import FOLLOW_UP_FROM_DAY, silent_since

# Worst first: a patient not responding needs a look before one we know nothing about yet.
STATUS_ORDER = ("not_responding", "no_recent_data", "no_checkin", "responding", "long_term", "no_procedure")


@dataclass(frozen=True)
class PatientSummary:
    """One line of the clinician's list, as plain values."""

    id: int
    name: str
    record_number: str
    discharged: bool
    procedure_type: str | None
    days_since_procedure: int | None  # day 0 is the procedure day, in the patient's zone
    baseline_pain: int | None
    pain_now: int | None  # from the latest check-in after the current procedure
    pain_date: date | None  # that check-in's local date
    open_alerts: int
    urgent: bool
    last_checkin: date | None
    today: date | None = None  # the patient's local date at `now` (None: the status cannot go stale)

    @property
    def change(self) -> int | None:
        """Pain now minus baseline: negative is better."""
        if self.pain_now is None or self.baseline_pain is None:
            return None
        return self.pain_now - self.baseline_pain

    @property
    def responder(self) -> bool | None:
        return is_responder(self.baseline_pain, self.pain_now)

    @property
    def status(self) -> str:
        """One of STATUS_ORDER."""
        if self.procedure_type is None:
            return "no_procedure"
        if self.today is not None and self.days_since_procedure is not None:
            if self.days_since_procedure > FOLLOW_UP_FROM_DAY:
                return "long_term"  # shown with the date of the last check-in (pain_date)
            procedure_day = self.today - timedelta(days=self.days_since_procedure)
            if self.pain_date is not None and silent_since(procedure_day, self.today, self.pain_date):
                return "no_recent_data"  # the same thresholds as the missed-check-ins rule
        if self.responder is None:
            return "no_checkin"
        return "responding" if self.responder else "not_responding"

    def sort_key(self):
        alerts = 0 if self.urgent else 1 if self.open_alerts else 2
        return (alerts, STATUS_ORDER.index(self.status), -(self.change or 0), self.name.lower(), self.id)


def _summary_statement(include_discharged: bool):
    # One statement whatever the number of patients: every per-patient fact is a subquery.
    current = (
        select(Procedure.id, Procedure.patient_id, Procedure.type, Procedure.performed_at,
               Procedure.baseline_pain)
        .where(is_current(Procedure))
        .subquery("current")
    )

    ranked_checkins = select(
        CheckIn.procedure_id,
        CheckIn.pain_now,
        CheckIn.local_date,
        func.row_number()
        .over(partition_by=CheckIn.procedure_id, order_by=CheckIn.local_date.desc())
        .label("rank"),
    ).subquery()
    latest = select(ranked_checkins).where(ranked_checkins.c.rank == 1).subquery("latest")

    last = (
        select(CheckIn.patient_id, func.max(CheckIn.local_date).label("last_checkin"))
        .group_by(CheckIn.patient_id)
        .subquery("last")
    )
    alerts = (
        select(
            Alert.patient_id,
            func.count().label("open_alerts"),
            func.sum(case((Alert.severity == "urgent", 1), else_=0)).label("urgent_alerts"),
        )
        .where(Alert.acknowledged_at.is_(None))
        .group_by(Alert.patient_id)
        .subquery("open_alerts")
    )
    stmt = (
        select(
            Patient.id,
            User.display_name,
            Patient.record_number,
            Patient.timezone,
            Patient.discharged,
            current.c.type,
            current.c.performed_at,
            current.c.baseline_pain,
            latest.c.pain_now,
            latest.c.local_date,
            last.c.last_checkin,
            alerts.c.open_alerts,
            alerts.c.urgent_alerts,
        )
        .join(User, User.id == Patient.user_id)
        .outerjoin(current, current.c.patient_id == Patient.id)
        .outerjoin(latest, latest.c.procedure_id == current.c.id)
        .outerjoin(last, last.c.patient_id == Patient.id)
        .outerjoin(alerts, alerts.c.patient_id == Patient.id)
    )
    if not include_discharged:
        stmt = stmt.where(Patient.discharged.is_(False))
    return stmt


def patient_summaries(now: datetime, include_discharged: bool = False) -> list[PatientSummary]:
    """Every patient as a summary row: open alerts first (urgent first), then the worst status."""
    rows = [
        PatientSummary(
            id=row.id,
            name=row.display_name,
            record_number=row.record_number,
            discharged=row.discharged,
            procedure_type=row.type,
            days_since_procedure=(
                recovery_day(row.performed_at, now, row.timezone) if row.performed_at else None
            ),
            baseline_pain=row.baseline_pain,
            pain_now=row.pain_now,
            pain_date=row.local_date,
            open_alerts=row.open_alerts or 0,
            urgent=bool(row.urgent_alerts),
            last_checkin=row.last_checkin,
            today=now.astimezone(ZoneInfo(row.timezone)).date(),
        )
        for row in db.session.execute(_summary_statement(include_discharged))
    ]
    return sorted(rows, key=PatientSummary.sort_key)


@dataclass
class PatientRecord:
    """Everything the clinician's patient page shows."""

    patient: Patient
    procedure: Procedure | None  # the current one
    earlier_procedures: list[Procedure]
    checkins: list[CheckIn]  # newest first
    appointments: list[Appointment]
    alerts: list[Alert]  # open first, then newest first
    days_since_procedure: int | None
    reminders: list[Reminder]  # in due order

    def alert_words(self, alert: Alert):
        """What an alert is about, in a sentence with the numbers of its check-in."""
        checkin = next((c for c in self.checkins if c.id == alert.checkin_id), None)
        procedures = [self.procedure, *self.earlier_procedures] if self.procedure else []
        procedure = next((p for p in procedures if checkin and p.id == checkin.procedure_id), None)
        return describe(alert.kind, alert.detail, checkin.pain_now if checkin else None,
                        procedure.baseline_pain if procedure else None, episode_start(alert.detail))

    @property
    def open_alerts(self) -> list[Alert]:
        return [a for a in self.alerts if a.is_open]

    @property
    def latest(self) -> CheckIn | None:
        """The latest check-in after the current procedure."""
        if self.procedure is None:
            return None
        return next((c for c in self.checkins if c.procedure_id == self.procedure.id), None)

    @property
    def responder(self) -> bool | None:
        if self.procedure is None or self.latest is None:
            return None
        return is_responder(self.procedure.baseline_pain, self.latest.pain_now)


def patient_record(patient_id, now: datetime) -> PatientRecord:
    """Load one patient's record for reading; NotFound if there is no such patient."""
    patient = db.session.get(Patient, patient_id) if isinstance(patient_id, int) else None
    if patient is None:
        raise NotFound(patient_id)
    current = current_procedure(patient.procedures)
    checkins = db.session.scalars(
        select(CheckIn)
        .where(CheckIn.patient_id == patient.id)
        .options(selectinload(CheckIn.revisions), selectinload(CheckIn.entered_by))
        .order_by(CheckIn.local_date.desc())
    )
    appointments = db.session.scalars(
        select(Appointment)
        .where(Appointment.patient_id == patient.id)
        .order_by(Appointment.scheduled_for, Appointment.id)
    )
    alerts = db.session.scalars(
        select(Alert)
        .where(Alert.patient_id == patient.id)
        .options(selectinload(Alert.acknowledged_by),
                 selectinload(Alert.follow_ups).selectinload(AlertNote.author))
        .order_by(Alert.acknowledged_at.is_not(None), Alert.created_at.desc(), Alert.id.desc())
    )
    reminders = db.session.scalars(
        select(Reminder).where(Reminder.patient_id == patient.id).order_by(Reminder.due_at, Reminder.id)
    )
    return PatientRecord(
        patient=patient,
        procedure=current,
        earlier_procedures=[p for p in reversed(patient.procedures) if p is not current],
        checkins=list(checkins),
        appointments=list(appointments),
        alerts=list(alerts),
        days_since_procedure=recovery_day(current.performed_at, now, patient.timezone) if current else None,
        reminders=list(reminders),
    )


def view_patient(patient_id, viewer: User, now: datetime) -> PatientRecord:
    """A patient's record as a clinician opens it: every opening goes to the audit trail."""
    record = patient_record(patient_id, now)
    audit.record(viewer, "patient.view", record.patient, now)
    return record


def alert_patient_id(alert_id) -> int | None:
    """The patient an alert belongs to (to show their page again after a refused form)."""
    return db.session.scalar(select(Alert.patient_id).where(Alert.id == alert_id))
