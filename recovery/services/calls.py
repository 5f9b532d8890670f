"""Call tasks: the phone calls staff owe patients (a missed 72-hour check, a visit they did not
come to), and closing them."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from ..display import local_datetime
from ..extensions import db
from ..models import CALL_NOTE_MAX, CALL_OUTCOMES, Appointment, CallTask, Patient, User
from . import audit
from .errors import NotFound
from .validate import Fields

REASONS = {
    "missed_72h": _l("Missed the 72-hour check-in"),
    "missed_visit": _l("Did not come to a booked visit: call to rebook"),
    "fix_mobile": _l("Texts to this patient's mobile number fail: check the number (texts are paused)"),
    "fix_email": _l("E-mails to this patient's address bounce: check the address (e-mails are paused)"),
}
MISSED_VISIT_DEADLINE = timedelta(hours=24)


@dataclass(frozen=True)
class OpenTask:
    """One call to make, with what staff need to make it."""

    id: int
    patient_id: int
    patient_name: str
    phone: str
    caregiver_name: str | None
    caregiver_phone: str | None
    reason: str
    deadline: datetime
    overdue: bool


def open_tasks(now: datetime, limit: int = 200) -> list[OpenTask]:
    """Calls not yet made, the most urgent deadline (so every overdue one) first."""
    rows = db.session.scalars(
        select(CallTask)
        .join(CallTask.patient)
        .join(Patient.user)
        .options(contains_eager(CallTask.patient).contains_eager(Patient.user))
        .where(CallTask.closed_at.is_(None))
        .order_by(CallTask.due_by, CallTask.id)
        .limit(limit)
    )
    return [
        OpenTask(
            id=task.id,
            patient_id=task.patient_id,
            patient_name=task.patient.name,
            phone=task.patient.phone,
            caregiver_name=task.patient.caregiver_name,
            caregiver_phone=task.patient.caregiver_phone,
            reason=str(REASONS.get(task.reason, task.reason)),
            deadline=task.due_by,
            overdue=task.due_by < now,
        )
        for task in rows
    ]


def close_task(task_id, outcome, note, actor: User, now: datetime) -> CallTask:
    """Close a call task with what happened (reached, left a message, no answer) and who called."""
    task = db.session.get(CallTask, task_id) if isinstance(task_id, int) else None
    if task is None:
        raise NotFound(task_id)
    fields = Fields({"outcome": outcome, "note": note})
    if task.closed_at is not None:
        who = task.closed_by.display_name if task.closed_by else _l("someone")
        fields.fail(
            "outcome",
            _l(
                "This call was already closed by %(who)s on %(when)s.",
                who=who,
                when=local_datetime(task.closed_at),
            ),
        )
    elif fields.raw("outcome") not in CALL_OUTCOMES:
        fields.fail("outcome", _l("Choose what happened: reached, left a message, or no answer."))
    note = fields.text("note", CALL_NOTE_MAX)
    fields.done()
    task.outcome = fields.raw("outcome")
    task.note = note
    task.closed_by_id = actor.id
    task.closed_at = now
    audit.record(actor, "call.close", task.patient, now)
    return task


def call_about_missed_visit(appointment: Appointment, now: datetime) -> CallTask:
    """A call task for a visit the patient did not come to, due within a day.

    One per visit (the schema's key): a visit rebooked and missed again reopens its task.
    """
    task = _missed_visit_task(appointment)
    if task is None:
        task = CallTask(patient_id=appointment.patient_id, appointment_id=appointment.id,
                        reason="missed_visit")
        db.session.add(task)
    task.created_at = now
    task.due_by = now + MISSED_VISIT_DEADLINE
    task.closed_at = task.closed_by_id = task.outcome = task.note = None
    db.session.flush()
    return task


def settle_missed_visit(appointment: Appointment, actor: User, now: datetime) -> None:
    """The patient came after all: an open call about the missed visit is no longer needed."""
    task = _missed_visit_task(appointment)
    if task is not None and task.closed_at is None:
        task.closed_at = now
        task.closed_by_id = actor.id
        task.note = str(_l("The visit was marked completed."))


def _missed_visit_task(appointment: Appointment) -> CallTask | None:
    return db.session.scalar(select(CallTask).where(
        CallTask.appointment_id == appointment.id, CallTask.reason == "missed_visit"))
