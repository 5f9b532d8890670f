"""Appointments staff manage: schedule, reschedule, cancel, and mark follow-up visits.

The 72-hour check belongs to the system: it is created with the procedure, moves when the
procedure time is corrected, completes with the patient's check-in (or a phone check-in) and
is marked missed after 96 hours, which is what calls staff to phone. Letting staff cancel or
mark it by hand would silently skip that escalation, so every change to it is refused here.

A booking or move is checked against the clinic's hours, closed dates and the clinician's other
visits (services/booking_checks.py): a problem refuses it, with the problem named, unless staff
tick the override and give a reason, which the audit log keeps beside the booking.

After every change the patient's pending reminders are re-planned at once.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..display import local_datetime
from ..extensions import db
from ..models import Appointment, Patient, User
from ..reminders import outbox
from . import audit, booking_checks, calls
from .errors import NotFound
from .validate import Fields, record_id

STAFF_KINDS = ("follow_up", "other")  # the 72-hour check is the system's
MARKS = ("completed", "missed")
MAX_AHEAD = timedelta(days=730)
SYSTEM_MANAGED = _l(
    "The 72-hour check is managed by the system: it moves with the procedure time, completes "
    "with the patient's check-in (or a phone check-in) and is marked missed after 96 hours."
)


def get_appointment(appointment_id) -> Appointment:
    """The appointment with this id, or NotFound."""
    appointment = db.session.get(Appointment, appointment_id) if isinstance(appointment_id, int) else None
    if appointment is None:
        raise NotFound(appointment_id)
    return appointment


def schedule_follow_up(patient: Patient, data, actor: User, now: datetime) -> Appointment:
    """Schedule a visit (follow-up or other) for the patient's current procedure."""
    fields = Fields(data)
    kind = fields.choice("kind", STAFF_KINDS, default="follow_up")
    when = fields.local_datetime("scheduled_for", _clinic_tz())
    clinician_id = _clinician(fields, patient.clinician_id)
    procedure = patient.current_procedure
    if patient.discharged:
        fields.fail("form", _l("This patient is discharged from follow-up: no visits can be scheduled."))
    elif procedure is None:
        fields.fail("form", _l("Record the procedure before scheduling visits."))
    else:
        _check_time(fields, when, procedure.performed_at, now)
    override = _check_booking(fields, when, patient, clinician_id, None)
    fields.done()
    appointment = Appointment(
        patient=patient,
        procedure=procedure,
        kind=kind,
        clinician_id=clinician_id,
        scheduled_for=when,
        status="scheduled",
        revision=1,
        updated_at=now,
    )
    db.session.add(appointment)
    db.session.flush()
    _after_change(appointment, "appointment.schedule", actor, now, override)
    return appointment


def reschedule(appointment: Appointment, data, actor: User, now: datetime) -> Appointment:
    """Move a visit to a new time (and, if asked, to another clinician); its unsent reminders
    are cancelled and planned afresh."""
    fields = Fields(data)
    _check_changeable(fields, appointment, "scheduled_for")
    if not fields.errors and appointment.patient.discharged:
        fields.fail("scheduled_for", _l("This patient is discharged from follow-up: visits cannot be moved."))
    when = fields.local_datetime("scheduled_for", _clinic_tz()) if not fields.errors else None
    clinician_id = _clinician(fields, appointment.clinician_id, keep=appointment.clinician_id)
    if not fields.errors:
        _check_time(fields, when, appointment.procedure.performed_at, now)
        unchanged = when == appointment.scheduled_for and appointment.status == "scheduled"
        if unchanged and clinician_id == appointment.clinician_id:
            fields.fail("scheduled_for", _l("The visit is already at this time."))
    patient = appointment.patient
    override = _check_booking(fields, when, patient, clinician_id, appointment.id)
    fields.done()
    appointment.clinician_id = clinician_id
    appointment.scheduled_for = when
    appointment.status = "scheduled"  # a missed visit that is rebooked is expected again
    appointment.revision += 1  # the reminders' keys include it: old ones no longer apply
    appointment.updated_at = now
    _after_change(appointment, "appointment.reschedule", actor, now, override)
    return appointment


def cancel(appointment: Appointment, actor: User, now: datetime) -> Appointment:
    """Cancel a scheduled visit; nothing more is sent about it."""
    fields = Fields({})
    _check_changeable(fields, appointment, "status")
    if not fields.errors and appointment.status != "scheduled":
        fields.fail("status", _l("Only a scheduled visit can be cancelled."))
    fields.done()
    appointment.status = "cancelled"
    appointment.revision += 1  # the patient's calendar file: a CANCEL must outrank the last PUBLISH
    appointment.updated_at = now
    _after_change(appointment, "appointment.cancel", actor, now)
    return appointment


def mark(appointment: Appointment, status, actor: User, now: datetime) -> Appointment:
    """Record that a visit took place (completed) or that the patient did not come (missed)."""
    fields = Fields({})
    if status not in MARKS:
        fields.fail("status", _l("Unknown status: a visit can be marked completed or missed."))
    else:
        _check_changeable(fields, appointment, "status")
    if not fields.errors:
        if appointment.status == status:
            fields.fail("status", _l("This visit is already marked so."))
        elif status == "missed" and appointment.scheduled_for > now:
            fields.fail("status", _l("A visit can only be marked missed once its time has passed."))
    fields.done()
    appointment.status = status
    appointment.updated_at = now
    if status == "missed":
        calls.call_about_missed_visit(appointment, now)  # someone phones to rebook
    else:
        calls.settle_missed_visit(appointment, actor, now)  # they came after all: no call needed
    _after_change(appointment, f"appointment.{status}", actor, now)
    return appointment


def _clinician(fields: Fields, default: int | None, keep: int | None = None) -> int | None:
    """The clinician chosen on the form: absent, `default`; empty, none; else an active clinician
    (or `keep`, the visit's own, even if that clinician has since left)."""
    raw = fields.raw("clinician_id")
    if raw is None:
        return default
    if raw == "":
        return None
    clinician_id = record_id(raw)
    if clinician_id is not None and clinician_id == keep:
        return keep
    user = db.session.get(User, clinician_id) if clinician_id is not None else None
    if user is None or user.role != "clinician" or not user.active:
        fields.fail("clinician_id", _l("Please choose one of the clinic's clinicians."))
        return None
    return user.id


def _clinic_tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["CLINIC_TIMEZONE"])


def _check_time(fields: Fields, when: datetime | None, procedure_at: datetime, now: datetime) -> None:
    if when is None:
        return
    if when < procedure_at:
        fields.fail(
            "scheduled_for",
            _l("The visit cannot be before the procedure (%(when)s).", when=local_datetime(procedure_at)),
        )
    elif when <= now:
        fields.fail("scheduled_for", _l("The visit must be in the future."))
    elif when > now + MAX_AHEAD:
        fields.fail("scheduled_for", _l("The visit is more than two years ahead; please check the date."))


def _check_booking(fields: Fields, when, patient: Patient, clinician_id, exclude_id) -> str | None:
    """Refuse a time with problems unless overridden with a reason; the audit detail if overridden.

    Runs only on an otherwise valid time: past times and the rest stay refused, override or not."""
    override = fields.boolean("override", required=False)
    reason = fields.text("override_reason", 500)
    if fields.errors or when is None:
        return None
    found = booking_checks.problems(when, clinician_id, patient.id, exclude_id)
    if override and not (reason or "").strip():
        fields.fail("override_reason", _l("Give the reason for booking anyway: the audit log keeps it."))
        if found:
            fields.fail("scheduled_for", " ".join(found))
    elif found and not override:
        fields.fail("scheduled_for", " ".join(found))
        fields.fail("override", _l("To book this time anyway, tick “Book anyway” and give the reason."))
    if not found or fields.errors:
        return None
    return f"Booked anyway. Reason: {reason.strip()} Warnings: {' '.join(found)}"


def _check_changeable(fields: Fields, appointment: Appointment, name: str) -> None:
    if appointment.kind == "check_72h":
        fields.fail(name, SYSTEM_MANAGED)
    elif appointment.status == "cancelled":
        fields.fail(name, _l("This visit was cancelled and can no longer be changed; schedule a new one."))
    elif appointment.status == "completed":
        fields.fail(name, _l("This visit is completed and can no longer be changed."))


def _after_change(appointment: Appointment, action: str, actor: User, now: datetime,
                  override: str | None = None) -> None:
    db.session.flush()
    outbox.sync_patient(appointment.patient, now)  # pending reminders follow at once
    audit.record(actor, action, appointment.patient, now, detail=override)


def list_appointments(patient: Patient | None = None, status: str | None = None) -> list[Appointment]:
    """Appointments in time order: one patient's or everyone's, optionally of one status."""
    stmt = select(Appointment).order_by(Appointment.scheduled_for, Appointment.id)
    if patient is not None:
        stmt = stmt.where(Appointment.patient_id == patient.id)
    if status is not None:
        stmt = stmt.where(Appointment.status == status)
    return list(db.session.scalars(stmt))
