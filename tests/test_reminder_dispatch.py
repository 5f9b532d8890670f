"""The dispatcher end to end with a real SMTP server: once, on time, re-checked, retried, caught up."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from recovery.extensions import db
from recovery.jobs import dispatch_due
from recovery.models import Alert, Appointment, CallTask, Reminder
from recovery.reminders.dispatch import MAX_ATTEMPTS
from recovery.reminders.rules import Policy, hold_for_quiet_hours
from recovery.services.checkins import save_checkin
from tests.answers import checkin_answers

from .conftest import NOW

ANSWERS = checkin_answers(pain_now=3, worst_pain=5, walking_level=3, minutes_upright=30)
# NOW is 09:00 in Chicago: a procedure then has its 72-hour point at 09:00, outside quiet hours.
PROCEDURE = NOW


def _patient(make_patient, **kw):
    return make_patient(performed_at=PROCEDURE, recorded_at=PROCEDURE + timedelta(minutes=30), **kw)


def _sent(kind, channel=None):
    stmt = select(Reminder).where(Reminder.kind == kind, Reminder.status == "sent")
    if channel:
        stmt = stmt.where(Reminder.channel == channel)
    return list(db.session.scalars(stmt))


def test_72_hour_reminder_is_sent_once_at_72_hours_with_a_checkin_link(make_patient, smtp_sink, client):
    patient = _patient(make_patient)
    dispatch_due(PROCEDURE + timedelta(hours=71))
    assert _sent("check_72h") == [] and smtp_sink.messages == []
    dispatch_due(PROCEDURE + timedelta(hours=72))
    dispatch_due(PROCEDURE + timedelta(hours=72, minutes=1))
    assert len(_sent("check_72h", "email")) == 1 and len(_sent("check_72h", "in_app")) == 1
    checkin_mails = [m for m in smtp_sink.messages if "3-day check-in" in m["Subject"]]
    assert len(checkin_mails) == 1
    mail = checkin_mails[0]
    assert mail["To"] == patient.user.email
    body = mail.get_body(("plain",)).get_content()
    assert "It is time for your 3-day check-in" in body
    assert "kyphoplasty" not in body.lower() and "pain" not in body.lower()  # no clinical detail
    assert mail["Message-ID"].endswith("@recovery.local>")
    assert "/c/" in body and "/unsubscribe/" in body


def test_missed_check_escalates_24_hours_later_only_if_not_done(make_patient, smtp_sink):
    missed = _patient(make_patient)
    done = _patient(make_patient)
    save_checkin(done, ANSWERS, PROCEDURE + timedelta(hours=70))
    db.session.commit()
    dispatch_due(PROCEDURE + timedelta(hours=95))
    assert db.session.scalar(select(func.count()).select_from(CallTask)) == 0
    dispatch_due(PROCEDURE + timedelta(hours=96))
    dispatch_due(PROCEDURE + timedelta(hours=97))
    tasks = list(db.session.scalars(select(CallTask)))
    assert [t.patient_id for t in tasks] == [missed.id]
    assert tasks[0].due_by == PROCEDURE + timedelta(hours=96 + 24)
    alerts = list(db.session.scalars(select(Alert).where(Alert.kind == "missed_72h")))
    assert [a.patient_id for a in alerts] == [missed.id]
    # The patient who checked in got no 72-hour reminders at all.
    assert db.session.scalar(select(func.count()).select_from(Reminder).where(
        Reminder.patient_id == done.id, Reminder.kind.like("check_72h%"), Reminder.status == "sent")) == 0


def test_a_checkin_suppresses_that_days_nudge(make_patient, smtp_sink):
    patient = _patient(make_patient)
    day5_noon = PROCEDURE + timedelta(days=5, hours=3)
    save_checkin(patient, ANSWERS, day5_noon)
    db.session.commit()
    dispatch_due(PROCEDURE + timedelta(days=5, hours=10))  # 19:00 local on day 5
    nudges = _sent("daily_nudge")
    assert all(r.for_date != day5_noon.date() for r in nudges)
    other = _patient(make_patient)
    dispatch_due(PROCEDURE + timedelta(days=5, hours=10, minutes=1))
    assert any(r.patient_id == other.id and r.for_date == day5_noon.date() for r in _sent("daily_nudge"))


def test_reminder_that_no_longer_applies_is_dropped_at_send_time(make_patient, smtp_sink):
    patient = _patient(make_patient)
    dispatch_due(PROCEDURE + timedelta(hours=1))  # plans the 72-hour reminders
    # The check is completed before the reminder goes out (e.g. a phone check-in by staff).
    save_checkin(patient, ANSWERS, PROCEDURE + timedelta(hours=65))
    db.session.commit()
    dispatch_due(PROCEDURE + timedelta(hours=72))
    assert _sent("check_72h") == []
    assert not [m for m in smtp_sink.messages if "3-day" in m["Subject"]]


def test_scheduler_down_for_three_hours_sends_each_overdue_reminder_once(make_patient, smtp_sink):
    _patient(make_patient)
    dispatch_due(PROCEDURE + timedelta(hours=70))
    # Down from 70 h to 73 h; on start, the 72-hour reminder goes out once, not once per interval.
    dispatch_due(PROCEDURE + timedelta(hours=73))
    dispatch_due(PROCEDURE + timedelta(hours=73, seconds=30))
    assert len(_sent("check_72h", "email")) == 1
    assert len([m for m in smtp_sink.messages if "3-day check-in" in m["Subject"]]) == 1


def test_smtp_outage_retries_with_backoff_then_fails_visibly_and_loses_nothing(app, make_patient):
    _patient(make_patient)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_TIMEOUT=1)  # nothing listens
    now = PROCEDURE + timedelta(hours=72)
    dispatch_due(now)
    row = db.session.scalar(select(Reminder).where(Reminder.kind == "check_72h", Reminder.channel == "email"))
    assert row.status == "pending" and row.attempts == 1 and row.last_error
    assert row.next_attempt_at == now + timedelta(minutes=1)
    for _ in range(MAX_ATTEMPTS + 2):
        now += timedelta(minutes=20)
        dispatch_due(now)
        db.session.expire_all()
    assert row.status == "failed" and row.attempts == MAX_ATTEMPTS
    assert "ConnectionRefusedError" in row.last_error or "OSError" in row.last_error
    # The in-app copy was delivered regardless.
    assert len(_sent("check_72h", "in_app")) == 1


def test_quiet_hours_hold_a_catch_up_until_morning(make_patient, smtp_sink):
    _patient(make_patient)
    late_night = PROCEDURE + timedelta(hours=72 + 14)  # 23:00 in Chicago, the scheduler was down
    report = dispatch_due(late_night)
    assert report.sent == [] or all(
        db.session.get(Reminder, i).channel == "staff" for i in report.sent)
    assert smtp_sink.messages == []
    morning = PROCEDURE + timedelta(hours=72 + 23)  # 08:00 next day
    dispatch_due(morning)
    assert len(_sent("check_72h", "email")) == 1


def test_unsent_follow_up_reminders_follow_a_reschedule(make_patient, smtp_sink):
    patient = _patient(make_patient)
    visit = Appointment(patient_id=patient.id, procedure_id=patient.current_procedure.id, kind="follow_up",
                        scheduled_for=PROCEDURE + timedelta(days=14), updated_at=PROCEDURE)
    db.session.add(visit)
    db.session.commit()
    dispatch_due(PROCEDURE + timedelta(days=1))
    keys = {r.idempotency_key for r in db.session.scalars(select(Reminder).where(
        Reminder.appointment_id == visit.id, Reminder.status == "pending"))}
    assert keys and all(f":a{visit.id}r1:" in k for k in keys)
    visit.scheduled_for = PROCEDURE + timedelta(days=21)
    visit.revision += 1
    db.session.commit()
    dispatch_due(PROCEDURE + timedelta(days=1, minutes=1))
    rows = list(db.session.scalars(select(Reminder).where(Reminder.appointment_id == visit.id)))
    assert {r.status for r in rows if f"a{visit.id}r1:" in r.idempotency_key} == {"cancelled"}
    assert {r.due_at for r in rows if f"a{visit.id}r2:" in r.idempotency_key
            and r.kind == "follow_up_before"} == {
        PROCEDURE + timedelta(days=19)}


def test_enrolment_emails_the_invite_once_with_a_working_link(app, make_user, smtp_sink, client):
    import re

    from recovery.models import utcnow
    from recovery.services.enrolment import enrol_patient

    staff = make_user("staff")
    now = utcnow()
    enrol_patient({"display_name": "Rosa Diaz", "email": "rosa@example.org", "record_number": "MRN-777",
                   "date_of_birth": "1950-04-01", "phone": "219-555-0101"}, staff, now)
    db.session.commit()
    # Invitations are patient mail too: at night they wait for 08:00 in the patient's zone.
    at = hold_for_quiet_hours(now, ZoneInfo("America/Chicago"), Policy())
    dispatch_due(at)
    dispatch_due(at + timedelta(minutes=1))
    invites = [m for m in smtp_sink.messages if m["Subject"] == "Set your password for Recovery"]
    assert len(invites) == 1 and invites[0]["To"] == "rosa@example.org"
    path = re.search(r"http://localhost(/set-password/[\w-]+)", invites[0].get_body(("plain",)).get_content())
    assert client.get(path.group(1)).status_code == 200


def test_discharge_cancels_every_pending_reminder(make_patient, make_user, smtp_sink):
    from recovery.services.enrolment import discharge_patient

    patient = _patient(make_patient)
    dispatch_due(PROCEDURE + timedelta(hours=1))
    assert db.session.scalar(select(func.count()).select_from(Reminder).where(
        Reminder.patient_id == patient.id, Reminder.status == "pending")) > 0
    discharge_patient(patient, make_user("staff"), PROCEDURE + timedelta(hours=2))
    db.session.commit()
    dispatch_due(PROCEDURE + timedelta(hours=100))
    statuses = set(db.session.scalars(select(Reminder.status).where(Reminder.patient_id == patient.id)))
    assert statuses == {"cancelled"}
    assert smtp_sink.messages == []


def test_a_reminder_left_sending_by_a_dead_process_is_reclaimed_after_its_lease(
        make_patient, smtp_sink, monkeypatch):
    from recovery.jobs import plan_all
    from recovery.reminders import delivery
    from recovery.reminders.dispatch import claim

    _patient(make_patient)
    due = PROCEDURE + timedelta(hours=72)
    plan_all(due)
    taken = claim(due, "worker-that-dies", batch=100)  # claimed, then the process is killed
    assert taken
    lease = db.session.get(Reminder, taken[0]).lease_until  # on the real clock, not the run's `now`
    assert lease - delivery.lease_clock() <= delivery.lease_length()
    monkeypatch.setattr(delivery, "lease_clock", lambda: lease - timedelta(seconds=1))
    dispatch_due(due + timedelta(minutes=10), worker="survivor")  # the run's `now` is no lease clock
    assert smtp_sink.messages == []  # still leased to the dead worker: not sent twice meanwhile
    monkeypatch.setattr(delivery, "lease_clock", lambda: lease + timedelta(seconds=1))
    dispatch_due(due, worker="survivor")
    rows = [db.session.get(Reminder, i) for i in taken]
    assert {r.status for r in rows} == {"sent"} and {r.claimed_by for r in rows} == {"survivor"}
    assert len([m for m in smtp_sink.messages if "3-day check-in" in m["Subject"]]) == 1
