"""The sweep's planning at scale: re-plan every patient the rules may owe something, in batches.

`outbox.sync_patient` plans one patient (a handful of queries); the sweep runs every 30 s over
thousands of patients, so it loads the same facts for a batch of patients in five queries,
asks the same pure rules, and writes the differences in bulk (inserts that skip keys another
process planned first, cancels and moves only of rows still pending). Each batch is committed
on its own, so the SQLite write lock is held briefly and web requests are not kept waiting.
"""

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update

from ..extensions import db
from ..models import Appointment, CheckIn, Patient, Procedure, User, is_current
from ..models.reminders import Reminder
from .bulk import among, insert_planned
from .outbox import PLANNED_KINDS, _follow_up_ahead, policy, sweep_scope
from .rules import AppointmentFacts, PatientFacts, plan

BATCH = 500


def sync_all(now: datetime, batch: int = BATCH) -> int:
    """Bring every sweep patient's pending reminders in line with the rules; return how many."""
    ids = list(db.session.scalars(sweep_scope(now).order_by(Patient.id)))
    rules = policy()
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        _apply(_differences(load_facts_many(chunk, now), _existing(chunk), now, rules), now)
        db.session.commit()
    return len(ids)


def load_facts_many(ids: list[int], now: datetime) -> list[PatientFacts]:
    """The same facts as outbox.load_facts, for many patients at once."""
    people = db.session.execute(
        select(Patient.id, Patient.timezone, Patient.reminder_time, Patient.email_reminders,
               Patient.discharged, Patient.clinician_id, User.email, User.active)
        .join(User, User.id == Patient.user_id).where(among(Patient.id, ids))
    ).all()
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
        .where(among(CheckIn.patient_id, ids), CheckIn.local_date >= recent)
    ):
        dates[patient_id].add(day)
    recipients = _summary_recipients([p.clinician_id for p in people if p.clinician_id])
    facts = []
    for p in people:
        procedure = current.get(p.id)
        appointments = tuple(visits[p.id]) if procedure else ()
        facts.append(PatientFacts(
            patient_id=p.id, timezone=p.timezone, reminder_time=p.reminder_time,
            email_enabled=bool(p.email) and p.email_reminders, active=p.active and not p.discharged,
            procedure_at=procedure.performed_at if procedure else None,
            procedure_recorded_at=procedure.recorded_at if procedure else None,
            appointments=appointments,
            checkin_dates=frozenset(dates[p.id]) if procedure else frozenset(),
            clinician_ids=recipients(p.clinician_id) if _follow_up_ahead(appointments, now) else (),
        ))
    return facts


def _summary_recipients(clinician_ids: list[int]):
    """outbox.summary_recipients for a batch: the patient's own active clinician, else every
    active clinician (looked up once per batch, only if some patient needs it)."""
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


def _existing(ids: list[int]) -> dict[int, dict[str, tuple[int, str, datetime]]]:
    rows = defaultdict(dict)
    for r in db.session.execute(
        select(Reminder.id, Reminder.patient_id, Reminder.idempotency_key, Reminder.status, Reminder.due_at)
        .where(among(Reminder.patient_id, ids), Reminder.kind.in_(PLANNED_KINDS))
    ):
        rows[r.patient_id][r.idempotency_key] = (r.id, r.status, r.due_at)
    return rows


def _differences(facts, existing, now, rules):
    inserts, cancels, moves = [], [], []
    for patient in facts:
        wanted = {p.key: p for p in plan(patient, now, rules)}
        rows = existing.get(patient.patient_id, {})
        for key, (row_id, status, due_at) in rows.items():
            if status != "pending":
                continue
            if key not in wanted:
                cancels.append(row_id)
            elif due_at != wanted[key].due_at:
                moves.append({"row_id": row_id, "new_due": wanted[key].due_at})
        inserts.extend((key, patient.patient_id, item.appointment_id, item.recipient_id, item.kind,
                        item.channel, item.for_date, item.due_at)
                       for key, item in wanted.items() if key not in rows)
    return inserts, cancels, moves


def _apply(differences, now: datetime) -> None:
    inserts, cancels, moves = differences
    insert_planned(inserts, now)  # a key another process planned first is skipped
    if cancels:  # only rows still pending: one a dispatcher has claimed is left to its re-check
        db.session.execute(
            update(Reminder).where(among(Reminder.id, cancels), Reminder.status == "pending")
            .values(status="cancelled", last_error="no longer applies", updated_at=now))
    if moves:  # a Core executemany: the ORM's bulk update would drop the status condition
        table = Reminder.__table__
        db.session.execute(
            update(table).where(table.c.id == bindparam("row_id"), table.c.status == "pending")
            .values(due_at=bindparam("new_due"), updated_at=now), moves)
