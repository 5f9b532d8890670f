"""The sweep plans many patients in batches and leaves exactly what planning each one alone would."""

from datetime import time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update

from recovery.extensions import db
from recovery.models import Appointment, Patient, Reminder
from recovery.reminders import outbox, sweep
from recovery.services.checkins import save_checkin
from tests.answers import checkin_answers

from .conftest import NOW

ANSWERS = checkin_answers(pain_now=3, worst_pain=5, walking_level=3, minutes_upright=30)


def _outbox():
    return sorted((r.idempotency_key, r.status, r.due_at, r.recipient_id) for r in db.session.scalars(select(Reminder)))


def _cohort(make_patient):
    patients = [make_patient(performed_at=NOW - timedelta(days=days), recorded_at=NOW - timedelta(days=days)
                             + timedelta(minutes=10), tz=tz)
                for days in (0, 2, 3, 6, 20, 40) for tz in ("America/Chicago", "Europe/Madrid")]
    save_checkin(patients[3], ANSWERS, NOW)  # checked in today: no nudge today
    patients[4].email_reminders = False
    patients[5].discharged = True
    db.session.commit()
    return patients


def test_batched_sweep_plans_the_same_reminders_as_one_patient_at_a_time(app, make_patient, make_user):
    patients = _cohort(make_patient)
    own, _other = make_user("clinician"), make_user("clinician")  # visit summaries go to clinicians
    patients[0].clinician_id = own.id
    patients[1].clinician_id = make_user("clinician", active=False).id  # falls back to everyone
    for patient in patients[:3]:  # follow-ups ahead: reminders for the patient, summaries for clinicians
        db.session.add(Appointment(patient_id=patient.id, procedure_id=patient.current_procedure.id,
                                   kind="follow_up", scheduled_for=NOW + timedelta(days=9), updated_at=NOW))
    db.session.commit()
    at = NOW + timedelta(hours=5)
    db.session.execute(delete(Reminder))  # from an empty outbox, both ways
    for patient in patients:
        outbox.sync_patient(patient, at)
    db.session.commit()
    one_by_one = _outbox()
    db.session.execute(delete(Reminder))
    db.session.commit()

    assert sweep.sync_all(at, batch=5) == len(patients)  # three batches
    assert _outbox() == one_by_one  # identical, key by key, status by status and time by time
    assert any(row[0].startswith("visit_summary") for row in one_by_one)
    assert sweep.sync_all(at, batch=5) and _outbox() == one_by_one  # and running it again changes nothing


def test_batched_sweep_moves_and_cancels_only_pending_reminders(app, make_patient):
    patients = _cohort(make_patient)
    sweep.sync_all(NOW)
    nudges = select(Reminder).where(Reminder.patient_id == patients[2].id, Reminder.kind == "daily_nudge",
                                    Reminder.channel == "email", Reminder.status == "pending",
                                    Reminder.due_at > NOW).order_by(Reminder.due_at)
    first, second = db.session.scalars(nudges).all()[:2]
    db.session.execute(update(Reminder).where(Reminder.id == second.id).values(status="sending"))
    db.session.execute(update(Patient).where(Patient.id == patients[2].id).values(reminder_time=time(9, 0)))
    db.session.commit()

    sweep.sync_all(NOW)
    db.session.expire_all()
    assert first.due_at.astimezone(ZoneInfo("America/Chicago")).time() == time(9, 0)  # moved
    assert second.status == "sending"  # a claimed row is the dispatcher's, untouched here
