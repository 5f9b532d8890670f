"""Procedures: recording and correcting them, and the 72-hour check that follows each one."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    ANAESTHESIA,
    FRACTURE_CAUSES,
    LEVELS,
    NOTES_MAX,
    PROCEDURE_TYPES,
    SETTINGS,
    Appointment,
    CheckIn,
    Patient,
    Procedure,
    User,
)
from ..reminders import outbox
from . import audit, buckets, triage
from .errors import NotFound
from .timepoints import CHECK_72H, CHECK_WINDOW
from .validate import Fields


def parse_levels(fields: Fields, name="levels") -> str | None:
    """Vertebral levels T1-T12, L1-L5, from a list or a comma-separated string."""
    raw = fields.raw(name)
    if isinstance(raw, str):
        raw = raw.replace(" ", ",").split(",")
    items = [str(x).strip().upper() for x in (raw or []) if str(x).strip()]
    if not items:
        fields.fail(name, _l("Choose at least one treated level (T1-T12, L1-L5)."))
        return None
    unknown = [x for x in items if x not in LEVELS]
    if unknown:
        fields.fail(name, _l("Unknown level: %(levels)s. Use T1-T12 or L1-L5.", levels=", ".join(unknown)))
        return None
    return ",".join(sorted(set(items), key=LEVELS.index))


def _parse(data, now: datetime) -> dict:
    fields = Fields(data)
    clinic_tz = ZoneInfo(current_app.config["CLINIC_TIMEZONE"])
    values = {
        "type": fields.choice("type", PROCEDURE_TYPES),
        "performed_at": fields.local_datetime("performed_at", clinic_tz),
        "levels": parse_levels(fields),
        "fracture_cause": fields.choice("fracture_cause", FRACTURE_CAUSES),
        "anaesthesia": fields.choice("anaesthesia", ANAESTHESIA),
        "setting": fields.choice("setting", SETTINGS),
        "cement_volume_ml": fields.decimal("cement_volume_ml", 0, 30),
        "cement_leakage": fields.boolean("cement_leakage", required=False),
        "baseline_pain": fields.integer("baseline_pain", 0, 10),
        "notes": fields.text("notes", NOTES_MAX),
    }
    performed = values["performed_at"]
    if performed and performed > now:
        fields.fail("performed_at", _l("The procedure date cannot be in the future."))
    elif performed and performed < now - timedelta(days=3650):
        fields.fail("performed_at", _l("The procedure date is more than 10 years ago."))
    fields.done()
    return values


def record_procedure(patient: Patient, data, actor: User, now: datetime) -> Procedure:
    """Record a procedure and create its 72-hour check at performed-at + 72 h."""
    values = _parse(data, now)
    procedure = Procedure(patient=patient, recorded_at=now, recorded_by_id=actor.id, **values)
    db.session.add(procedure)
    db.session.flush()
    db.session.add(
        Appointment(
            patient_id=patient.id,
            procedure=procedure,
            kind="check_72h",
            clinician_id=patient.clinician_id,
            scheduled_for=procedure.performed_at + CHECK_72H,
            updated_at=now,
        )
    )
    db.session.flush()
    settle_72h_check(procedure, now)
    outbox.sync_patient(patient, now)
    audit.record(actor, "procedure.record", patient, now)
    return procedure


def correct_procedure(procedure: Procedure, data, actor: User, now: datetime) -> Procedure:
    """Correct a procedure's details; a new time moves its 72-hour check with it."""
    values = _parse(data, now)
    moved = values["performed_at"] != procedure.performed_at
    for key, value in values.items():
        setattr(procedure, key, value)
    if moved:
        check = check_72h(procedure)
        if check is not None:
            check.scheduled_for = procedure.performed_at + CHECK_72H
            check.revision += 1
            check.status = "scheduled"
            check.updated_at = now
        db.session.execute(
            update(CheckIn).where(CheckIn.procedure_id == procedure.id).values(is_72h_check=False)
        )
    db.session.flush()
    if moved:
        buckets.rebuild([procedure.id])  # every check-in's day since the procedure changed
    settle_72h_check(procedure, now)
    outbox.sync_patient(procedure.patient, now)
    triage.evaluate_patient(procedure.patient, now)
    audit.record(actor, "procedure.correct", procedure.patient, now)
    return procedure


def get_procedure(procedure_id) -> Procedure:
    """The procedure with this id, or NotFound."""
    procedure = db.session.get(Procedure, procedure_id) if isinstance(procedure_id, int) else None
    if procedure is None:
        raise NotFound(procedure_id)
    return procedure


def patient_appointments(patient: Patient) -> list[Appointment]:
    """All of a patient's appointments, across procedures, in time order."""
    return list(
        db.session.scalars(
            select(Appointment)
            .where(Appointment.patient_id == patient.id)
            .options(selectinload(Appointment.clinician))
            .order_by(Appointment.scheduled_for, Appointment.id)
        )
    )


def check_72h(procedure: Procedure) -> Appointment | None:
    """The procedure's 72-hour check appointment."""
    return db.session.scalar(
        select(Appointment).where(
            Appointment.procedure_id == procedure.id, Appointment.kind == "check_72h"
        )
    )


def settle_72h_check(procedure: Procedure, now: datetime) -> bool:
    """Complete the 72-hour check with the first check-in made 60-96 h after the procedure,
    or mark it missed once 96 h have passed without one; say whether the check changed.

    Every check-in asks, and the check is nearly always settled already: its status is read with
    a prebuilt Core query, and the appointment is loaded only when it may still change.
    """
    found = db.session.connection().execute(_CHECK_72H_STATUS, {"procedure_id": procedure.id}).first()
    if found is None or found.status in ("completed", "cancelled"):
        return False
    check = db.session.get(Appointment, found.id)
    before = check.status
    start, end = (procedure.performed_at + w for w in CHECK_WINDOW)
    first = db.session.scalar(
        select(CheckIn)
        .where(
            CheckIn.procedure_id == procedure.id,
            CheckIn.complete.is_(True),  # a red flag saved with answers missing is not the check
            CheckIn.created_at >= start,
            CheckIn.created_at <= end,
        )
        .order_by(CheckIn.created_at)
        .limit(1)
    )
    if first is not None:
        first.is_72h_check = True
        check.status = "completed"
        check.updated_at = now
    elif now > end and check.status == "scheduled":
        check.status = "missed"
        check.updated_at = now
    db.session.flush()
    return check.status != before


_appointments = Appointment.__table__
_CHECK_72H_STATUS = select(_appointments.c.id, _appointments.c.status).where(
    _appointments.c.procedure_id == bindparam("procedure_id"), _appointments.c.kind == "check_72h")


def mark_missed_72h_checks(now: datetime) -> int:
    """Mark every 72-hour check still open 96 h after its procedure as missed (a sweep job)."""
    result = db.session.execute(
        update(Appointment)
        .where(
            Appointment.kind == "check_72h",
            Appointment.status == "scheduled",
            Appointment.scheduled_for < now - (CHECK_WINDOW[1] - CHECK_72H),
        )
        .values(status="missed", updated_at=now)
    )
    return result.rowcount
