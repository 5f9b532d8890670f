"""The outbox: reminder rows kept in step with the rules whenever anything changes."""

import secrets
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Appointment, CheckIn, Patient, Procedure, User
from ..models.reminders import Reminder
from .rules import AppointmentFacts, PatientFacts, Planned, Policy, plan

PLANNED_KINDS = ("check_72h", "check_72h_repeat", "follow_up_before", "follow_up_morning",
                 "daily_nudge", "escalation", "visit_summary")


def policy() -> Policy:
    """The rules' timings, with the offsets the clinic configured."""
    config = current_app.config
    return Policy(
        follow_up_before=timedelta(hours=config.get("FOLLOW_UP_REMINDER_HOURS_BEFORE", 48)),
        clinic_timezone=config["CLINIC_TIMEZONE"],
    )


def summary_recipients(patient: Patient) -> tuple[int, ...]:
    """Who hears about the patient's follow-ups: their own clinician when one is assigned and
    active, otherwise every active clinician (so no visit goes unprepared)."""
    own = patient.clinician
    if own is not None and own.active and own.role == "clinician":
        return (own.id,)
    return tuple(db.session.scalars(
        select(User.id).where(User.role == "clinician", User.active.is_(True)).order_by(User.id)))


def load_facts(patient: Patient, now: datetime) -> PatientFacts:
    """What the rules need about one patient, in three small queries."""
    procedure = patient.current_procedure
    appointments = ()
    dates = frozenset()
    if procedure is not None:
        appointments = tuple(
            AppointmentFacts(a.id, a.kind, a.scheduled_for, a.status, a.revision, a.updated_at)
            for a in db.session.scalars(
                select(Appointment).where(Appointment.patient_id == patient.id)
            )
        )
        recent = (now - timedelta(days=2)).date()
        dates = frozenset(
            db.session.scalars(
                select(CheckIn.local_date).where(
                    CheckIn.patient_id == patient.id, CheckIn.local_date >= recent,
                    CheckIn.complete.is_(True),  # an incomplete check-in leaves the nudge owed
                )
            )
        )
    return PatientFacts(
        patient_id=patient.id,
        timezone=patient.timezone,
        reminder_time=patient.reminder_time,
        email_enabled=bool(patient.user.email) and patient.email_reminders,
        active=patient.user.active and not patient.discharged,
        procedure_at=procedure.performed_at if procedure else None,
        procedure_recorded_at=procedure.recorded_at if procedure else None,
        appointments=appointments,
        checkin_dates=dates,
        clinician_ids=summary_recipients(patient) if _follow_up_ahead(appointments, now) else (),
    )


def _follow_up_ahead(appointments, now: datetime) -> bool:
    return any(a.kind == "follow_up" and a.status == "scheduled" and a.scheduled_for > now
               for a in appointments)


def owed(patient: Patient, now: datetime) -> dict[str, Planned]:
    """The reminders the rules say this patient is owed now, by idempotency key."""
    return {p.key: p for p in plan(load_facts(patient, now), now, policy())}


def sync_patient(patient: Patient, now: datetime) -> None:
    """Bring the patient's pending reminders in line with the rules (insert, move, cancel)."""
    wanted = owed(patient, now)
    # Only the rows that can change or that stop an insert: those still pending, and those
    # with a wanted key whatever their status (sent or cancelled stays so, never re-planned).
    rows = {
        r.idempotency_key: r
        for r in db.session.scalars(
            select(Reminder).where(
                Reminder.patient_id == patient.id, Reminder.kind.in_(PLANNED_KINDS),
                or_(Reminder.status == "pending", Reminder.idempotency_key.in_(list(wanted))),
            )
        )
    }
    for key, row in rows.items():
        if row.status != "pending":
            continue
        if key not in wanted:
            row.status = "cancelled"
            row.last_error = "no longer applies"
            row.updated_at = now
        elif row.due_at != wanted[key].due_at:
            row.due_at = wanted[key].due_at
            row.updated_at = now
    for key, item in wanted.items():
        if key in rows:
            continue
        try:
            with db.session.begin_nested():
                db.session.add(
                    Reminder(
                        idempotency_key=key, patient_id=patient.id, appointment_id=item.appointment_id,
                        recipient_id=item.recipient_id,
                        kind=item.kind, channel=item.channel, for_date=item.for_date, due_at=item.due_at,
                        status="pending", created_at=now, updated_at=now,
                    )
                )
        except IntegrityError:  # another process planned it first: the key makes that harmless
            pass
    db.session.flush()


def checked_in(patient: Patient, day: date, now: datetime) -> None:
    """The patient checked in for their local `day`: that day's nudge is no longer owed.

    That is all a check-in changes in the plan unless it also settled the 72-hour check, and
    then the caller re-plans with sync_patient. One UPDATE instead of a re-plan on every
    check-in; what time alone changes (a new day within the nudge horizon) the sweep plans.
    A prebuilt Core statement on the table: no ORM session sync, no statement built per call
    (the check-in path loads no reminders, so none in the session goes stale).
    """
    db.session.connection().execute(
        _CANCEL_NUDGE, {"b_patient_id": patient.id, "b_day": day, "b_now": now})


_reminders = Reminder.__table__
_CANCEL_NUDGE = (
    update(_reminders)
    .where(_reminders.c.patient_id == bindparam("b_patient_id"), _reminders.c.kind == "daily_nudge",
           _reminders.c.for_date == bindparam("b_day"), _reminders.c.status == "pending")
    .values(status="cancelled", last_error="no longer applies", updated_at=bindparam("b_now"))
)


def sweep_scope(now: datetime):
    """The ids of patients the rules may still owe something: recent procedures or visits ahead."""
    horizon = now - timedelta(days=Policy().weekly_until_day + 2)
    upcoming = select(Appointment.patient_id).where(
        Appointment.status == "scheduled", Appointment.scheduled_for >= now - timedelta(days=2)
    )
    recent = select(Procedure.patient_id).where(Procedure.performed_at >= horizon)
    pending = select(Reminder.patient_id).where(Reminder.status == "pending")
    return (
        select(Patient.id)
        .join(Patient.user)
        .where(or_(Patient.id.in_(upcoming), Patient.id.in_(recent), Patient.id.in_(pending)))
        .where(User.role == "patient")
    )


def sweep_patients(now: datetime) -> list[Patient]:
    """Patients the rules may still owe something (see sweep_scope)."""
    return list(db.session.scalars(select(Patient).where(Patient.id.in_(sweep_scope(now)))))


def enqueue_invite(patient: Patient, now: datetime) -> Reminder | None:
    """E-mail the set-password invitation (when the patient has an e-mail address)."""
    if not patient.user.email:
        return None
    reminder = Reminder(
        idempotency_key=f"invite:{patient.id}:{now.isoformat()}:email", patient_id=patient.id,
        kind="invite", channel="email", due_at=now, status="pending", created_at=now, updated_at=now,
    )
    db.session.add(reminder)
    db.session.flush()
    return reminder


def enqueue_reset(user_id: int | None, now: datetime) -> None:
    """A password-reset e-mail for user `user_id`, due now; for None (no active account has the
    address asked for), the same row already cancelled, so the request's work is the same.

    It is addressed to the user (recipient_id) and to no patient: no patient page lists it, and
    quiet hours do not hold it (the person asking is waiting for it).
    """
    db.session.execute(_INSERT_RESET, {
        "key": f"reset:{secrets.token_hex(16)}", "recipient_id": user_id, "now": now,
        "status": "pending" if user_id is not None else "cancelled",
        "last_error": None if user_id is not None else "no active account has this address"})


_INSERT_RESET = insert(_reminders).values(
    idempotency_key=bindparam("key"), recipient_id=bindparam("recipient_id"), kind="password_reset",
    channel="email", due_at=bindparam("now"), status=bindparam("status"), attempts=0,
    last_error=bindparam("last_error"), created_at=bindparam("now"), updated_at=bindparam("now"))
