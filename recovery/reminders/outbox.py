"""The outbox: reminder rows kept in step with the rules whenever anything changes."""

import secrets
from collections import defaultdict
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, or_, select, update

from ..extensions import db
from ..models import Appointment, CheckIn, Patient, Procedure, User, is_current
from ..models.reminders import Reminder
from . import channels, rows
from .bulk import among, insert_planned
from .rules import AppointmentFacts, PatientFacts, Planned, Policy, plan

_reminders = Reminder.__table__
PLANNED_KINDS = ("check_72h", "check_72h_repeat", "follow_up_before", "follow_up_morning",
                 "daily_nudge", "escalation", "visit_summary")


def policy() -> Policy:
    """The rules' timings, with the offsets the clinic configured."""
    config = current_app.config
    return Policy(
        follow_up_before=timedelta(hours=config.get("FOLLOW_UP_REMINDER_HOURS_BEFORE", 48)),
        clinic_timezone=config["CLINIC_TIMEZONE"],
    )


def load_facts(ids: list[int], now: datetime) -> list[PatientFacts]:
    """What the rules need about each patient `ids`, in six queries for the whole batch."""
    people = db.session.execute(rows.contacts(ids)).all()
    current = {  # each patient's current procedure, as Patient.current_procedure
        row.patient_id: row for row in db.session.execute(
            select(Procedure.patient_id, Procedure.performed_at, Procedure.recorded_at)
            .where(among(Procedure.patient_id, ids), is_current(Procedure)))
    }
    visits = defaultdict(list)
    for a in db.session.execute(
        select(Appointment.id, Appointment.patient_id, Appointment.kind, Appointment.scheduled_for,
               Appointment.status, Appointment.revision, Appointment.updated_at)
        .where(among(Appointment.patient_id, ids))
    ):
        visits[a.patient_id].append(AppointmentFacts(a.id, a.kind, a.scheduled_for, a.status, a.revision,
                                                     a.updated_at))
    dates = defaultdict(set)
    recent = (now - timedelta(days=2)).date()
    for patient_id, day in db.session.execute(
        select(CheckIn.patient_id, CheckIn.local_date)
        .where(among(CheckIn.patient_id, ids), CheckIn.local_date >= recent,
               CheckIn.complete.is_(True))  # an incomplete check-in leaves the nudge owed
    ):
        dates[patient_id].add(day)
    recipients = _summary_recipients([p.clinician_id for p in people if p.clinician_id])
    facts = []
    for p in people:
        procedure = current.get(p.id)
        appointments = tuple(visits[p.id]) if procedure else ()
        facts.append(PatientFacts(
            patient_id=p.id, timezone=p.timezone, reminder_time=p.reminder_time,
            channels=channels.reachable_on(p), active=p.active and not p.discharged,
            procedure_at=procedure.performed_at if procedure else None,
            procedure_recorded_at=procedure.recorded_at if procedure else None,
            appointments=appointments,
            checkin_dates=frozenset(dates[p.id]) if procedure else frozenset(),
            clinician_ids=recipients(p.clinician_id) if _follow_up_ahead(appointments, now) else (),
        ))
    return facts


def _summary_recipients(clinician_ids: list[int]):
    """Who hears about a patient's follow-ups: their own clinician when one is assigned and
    active, otherwise every active clinician (so no visit goes unprepared). Looked up once
    per batch, every clinician only if some patient needs them."""
    usable = set(db.session.scalars(select(User.id).where(
        User.id.in_(set(clinician_ids)), User.role == "clinician", User.active.is_(True))))
    everyone = None

    def recipients(own: int | None) -> tuple[int, ...]:
        nonlocal everyone
        if own in usable:
            return (own,)
        if everyone is None:
            everyone = tuple(db.session.scalars(
                select(User.id).where(User.role == "clinician", User.active.is_(True)).order_by(User.id)))
        return everyone

    return recipients


def _follow_up_ahead(appointments, now: datetime) -> bool:
    return any(a.kind == "follow_up" and a.status == "scheduled" and a.scheduled_for > now
               for a in appointments)


def owed(ids: list[int], now: datetime) -> dict[int, dict[str, Planned]]:
    """The reminders the rules say each patient `ids` is owed now, by idempotency key."""
    rules = policy()
    return {facts.patient_id: {p.key: p for p in plan(facts, now, rules)} for facts in load_facts(ids, now)}


def sync(ids: list[int], now: datetime) -> None:
    """Bring these patients' pending reminders in line with the rules (insert, move, cancel),
    in the session's transaction: inserts skip keys another process planned first; cancels
    and moves touch only rows still pending (one a dispatcher claimed is left to its re-check)."""
    inserts, cancels, moves = differences(owed(ids, now), _existing(ids))
    insert_planned(inserts, now)
    if cancels:
        db.session.execute(
            update(_reminders).where(among(_reminders.c.id, cancels), _reminders.c.status == "pending")
            .values(status="cancelled", last_error="no longer applies", updated_at=now))
    if moves:
        db.session.execute(
            update(_reminders).where(_reminders.c.id == bindparam("row_id"), _reminders.c.status == "pending")
            .values(due_at=bindparam("new_due"), updated_at=now), moves)
    if cancels or moves:  # reminders loaded before see the new state (inserts change no loaded row)
        for obj in list(db.session.identity_map.values()):
            if isinstance(obj, Reminder):
                db.session.expire(obj)


def revive(patient_ids: list[int], channel: str, now: datetime) -> None:
    """The channel reaches these patients again (a number back from STOP, an address fixed):
    the reminders on it that were cancelled only because it did not, still ahead, are pending
    again (they were never sent); `sync` then settles them as for any change."""
    db.session.execute(update(Reminder).where(
        Reminder.patient_id.in_(patient_ids), Reminder.channel == channel, Reminder.status == "cancelled",
        Reminder.last_error == "no longer applies", Reminder.due_at > now)
        .values(status="pending", last_error=None, updated_at=now)
        .execution_options(synchronize_session=False))


def sync_patient(patient: Patient, now: datetime) -> None:
    """sync for one patient (after anything about them changed)."""
    sync([patient.id], now)


def _existing(ids: list[int]) -> dict[int, dict[str, tuple[int, str, datetime]]]:
    """The planned reminders these patients have: key -> (id, status, due time), by patient."""
    found = defaultdict(dict)
    for r in db.session.execute(
        select(Reminder.id, Reminder.patient_id, Reminder.idempotency_key, Reminder.status, Reminder.due_at)
        .where(among(Reminder.patient_id, ids), Reminder.kind.in_(PLANNED_KINDS))
    ):
        found[r.patient_id][r.idempotency_key] = (r.id, r.status, r.due_at)
    return found


def differences(wanted: dict[int, dict[str, Planned]], existing: dict) -> tuple[list, list, list]:
    """What to write so the rows `existing` match the plan `wanted` (both by patient): rows to
    insert (tuples in bulk.COLUMNS order), ids to cancel, and {row_id, new_due} moves. A row no
    longer pending is never re-planned (sent or cancelled stays so)."""
    inserts, cancels, moves = [], [], []
    for patient_id, planned in wanted.items():
        have = existing.get(patient_id, {})
        for key, (row_id, status, due_at) in have.items():
            if status != "pending":
                continue
            if key not in planned:
                cancels.append(row_id)
            elif due_at != planned[key].due_at:
                moves.append({"row_id": row_id, "new_due": planned[key].due_at})
        inserts.extend((key, patient_id, item.appointment_id, item.recipient_id, item.kind, item.channel,
                        item.for_date, item.due_at) for key, item in planned.items() if key not in have)
    return inserts, cancels, moves


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
    db.session.add(Reminder(
        idempotency_key=f"reset:{secrets.token_hex(16)}", recipient_id=user_id, kind="password_reset",
        channel="email", due_at=now, status="pending" if user_id is not None else "cancelled",
        last_error=None if user_id is not None else "no active account has this address",
        created_at=now, updated_at=now))
    db.session.flush()
