"""seed-demo: a plausible, deterministic cohort; demo logins; refusals; re-seeding without duplicates."""

import re
from datetime import time, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from recovery import demo
from recovery.extensions import db
from recovery.models import (
    Alert,
    Appointment,
    AuditEvent,
    CheckIn,
    CheckInRevision,
    Patient,
    Procedure,
    Reminder,
    SetPasswordToken,
    User,
    utcnow,
)
from recovery.services.clinic import patient_summaries

from .conftest import NOW, csrf_token

DEMO_LOGINS = {"staff@demo.local": "/staff/", "clinician@demo.local": "/clinic/",
               "patient@demo.local": "/patient/"}


def _row_counts() -> dict:
    return {t.name: db.session.scalar(select(func.count()).select_from(t))
            for t in db.metadata.sorted_tables}


def _content() -> dict:
    """Every demo fact keyed by natural keys (record numbers, e-mails), never by database ids."""
    owner, actor, entered = aliased(User), aliased(User), aliased(User)
    mrn = Patient.record_number
    procedures = {pid: f"{number}@{at.isoformat()}" for pid, number, at in db.session.execute(
        select(Procedure.id, mrn, Procedure.performed_at).join(Patient))}
    return {
        "users": sorted(
            (u.email or "", u.role, u.display_name, u.active, u.created_at, u.password_hash)
            for u in db.session.scalars(select(User))
        ),
        "patients": db.session.execute(
            select(mrn, owner.display_name, Patient.date_of_birth, Patient.phone, Patient.caregiver_name,
                   Patient.preferred_language, Patient.timezone, actor.email, Patient.discharged,
                   Patient.demo, Patient.created_at)
            .join(owner, owner.id == Patient.user_id).outerjoin(actor, actor.id == Patient.clinician_id)
            .order_by(mrn)
        ).all(),
        "procedures": db.session.execute(
            select(mrn, Procedure.type, Procedure.performed_at, Procedure.levels, Procedure.fracture_cause,
                   Procedure.anaesthesia, Procedure.setting, Procedure.cement_volume_ml,
                   Procedure.cement_leakage, Procedure.baseline_pain, Procedure.recorded_at)
            .join(Patient).order_by(mrn, Procedure.performed_at)
        ).all(),
        "appointments": db.session.execute(
            select(mrn, Appointment.kind, Appointment.scheduled_for, Appointment.status,
                   Appointment.revision, Appointment.updated_at)
            .join(Patient, Patient.id == Appointment.patient_id).order_by(mrn, Appointment.scheduled_for)
        ).all(),
        "checkins": db.session.execute(
            select(mrn, CheckIn.local_date, CheckIn.pain_now, CheckIn.worst_pain, CheckIn.walking_level,
                   CheckIn.minutes_upright, CheckIn.medication, CheckIn.sleep_disturbed,
                   CheckIn.flag_neuro, CheckIn.flag_chest, CheckIn.flag_infection, CheckIn.flag_calf,
                   CheckIn.note, CheckIn.is_72h_check, entered.email, CheckIn.created_at,
                   CheckIn.updated_at)
            .join(Patient, Patient.id == CheckIn.patient_id)
            .outerjoin(entered, entered.id == CheckIn.entered_by_id)
            .order_by(mrn, CheckIn.local_date)
        ).all(),
        "revisions": sorted(
            (r.checkin.patient.record_number, r.checkin.local_date, r.replaced_at,
             sorted((k, str(v)) for k, v in r.snapshot.items() if k != "entered_by_id"))
            for r in db.session.scalars(select(CheckInRevision))
        ),
        "alerts": [
            (row[0], row[1], _natural_detail(row[2], procedures), *row[3:])
            for row in db.session.execute(
                select(mrn, Alert.kind, Alert.detail, Alert.severity, Alert.created_at, Alert.acknowledged_at,
                       actor.email, Alert.note)
                .join(Patient, Patient.id == Alert.patient_id)
                .outerjoin(actor, actor.id == Alert.acknowledged_by_id)
                .order_by(mrn, Alert.created_at, Alert.detail)
            )
        ],
        "audit": sorted(
            (str(row[0]), row[1], str(row[2]), row[3])
            for row in db.session.execute(
                select(actor.email, AuditEvent.action, mrn, AuditEvent.at)
                .outerjoin(actor, actor.id == AuditEvent.actor_id)
                .outerjoin(Patient, Patient.id == AuditEvent.patient_id)
            )
        ),
        "reminders": db.session.execute(
            select(mrn, Reminder.kind, Reminder.channel, Reminder.for_date, Reminder.due_at, Reminder.status,
                   Reminder.created_at, Reminder.updated_at)
            .join(Patient, Patient.id == Reminder.patient_id)
            .order_by(mrn, Reminder.kind, Reminder.due_at, Reminder.channel, Reminder.status)
        ).all(),
        "tokens": sorted(
            (t.user.patient.record_number if t.user.patient else t.user.email, t.purpose, t.created_at,
             t.expires_at, t.used_at)
            for t in db.session.scalars(select(SetPasswordToken))
        ),
    }


def _natural_detail(detail: str, procedures: dict) -> str:
    """A triage alert's episode key names its procedure by id ("p12:72h"); PostgreSQL does not
    reuse ids after a re-seed, so name the procedure by its patient and time instead."""
    return re.sub(r"^p(\d+):", lambda m: f"p[{procedures.get(int(m.group(1)), '?')}]:", detail)


def _open_alerts() -> int:
    return db.session.scalar(select(func.count()).select_from(Alert).where(Alert.acknowledged_at.is_(None)))


def _seed(now=NOW) -> str:
    summary = demo.seed(now)
    db.session.commit()
    return summary


def test_seed_demo_makes_a_plausible_cohort_through_the_cli_and_the_demo_logins_work(app, client, runner,
                                                                                    monkeypatch):
    """One seed through the CLI, then what a newcomer sees: a plausible cohort, every demo account
    with the one password hash computed once, and the three demo logins opening their homes."""
    calls = []
    real = demo.generate_password_hash

    def counting(password):
        calls.append(password)
        return real(password)

    monkeypatch.setattr(demo, "generate_password_hash", counting)
    demo._password_hash.cache_clear()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "Demo cohort ready" in result.output
    assert calls == ["recovery-demo"]
    assert len(set(db.session.scalars(select(User.password_hash)))) == 1
    now = utcnow()
    patients = db.session.scalars(select(Patient)).all()
    assert len(patients) >= 40
    assert all(p.demo for p in patients)
    types = {p.current_procedure.type for p in patients}
    assert types == {"vertebroplasty", "kyphoplasty"}
    for patient in patients:
        performed = patient.current_procedure.performed_at
        assert now - timedelta(days=91) < performed < now
    baselines = [p.current_procedure.baseline_pain for p in patients]
    assert 7 <= sum(baselines) / len(baselines) <= 9
    assert db.session.scalar(select(func.max(CheckIn.created_at))) < now

    rows = patient_summaries(now, include_discharged=True)
    # The responder rule on each latest check-in (the status also says "long-term follow-up" after
    # week 12 and "no recent data" when the check-in is older than the schedule allows).
    responders = [r.responder for r in rows]
    assert responders.count(True) > len(rows) / 2
    assert responders.count(False) >= len(rows) / 5  # a sizeable minority
    assert "long_term" in {r.status for r in rows}
    assert sum(r.open_alerts for r in rows) >= 1 and any(r.urgent for r in rows)
    assert db.session.scalar(select(func.count()).select_from(Alert).where(Alert.acknowledged_at.is_not(None)))
    checks = dict(db.session.execute(
        select(Appointment.status, func.count()).where(Appointment.kind == "check_72h")
        .group_by(Appointment.status)).all())
    assert checks.get("completed", 0) > 10 and checks.get("missed", 0) >= 2
    assert db.session.scalar(select(func.count()).select_from(CheckInRevision)) > 0
    assert db.session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.entered_by_id.is_not(None)))
    assert any(p.discharged for p in patients)
    # Missed days: someone's check-ins leave gaps in the first two weeks.
    days = db.session.execute(select(CheckIn.patient_id, CheckIn.local_date).order_by(CheckIn.local_date)).all()
    by_patient = {}
    for patient_id, day in days:
        by_patient.setdefault(patient_id, []).append(day)
    assert any(any((b - a).days > 1 for a, b in zip(d, d[1:], strict=False)) for d in by_patient.values())
    for email, home in DEMO_LOGINS.items():
        response = client.post("/login", data={"login": email, "password": "recovery-demo",
                                               "csrf_token": csrf_token(client, "/login")})
        assert response.status_code == 302, email
        assert response.headers["Location"].endswith(home)
        assert client.get(home).status_code == 200
        client.post("/logout", data={"csrf_token": csrf_token(client, home)})
    pat = db.session.scalar(select(Patient).join(Patient.user).where(User.email == "patient@demo.local"))
    assert pat.current_procedure.type == "kyphoplasty"
    assert 2 <= (utcnow() - pat.current_procedure.performed_at).days <= 5
    assert db.session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.patient_id == pat.id)) >= 3


def test_seeding_twice_gives_identical_content_and_no_duplicates(app):
    assert "Demo cohort ready" in demo.seed(NOW, if_empty=True)  # an empty database is seeded
    db.session.commit()
    _expect_follow_ups_past_and_ahead_with_their_reminders(NOW)
    counts, content = _row_counts(), _content()
    _seed()
    assert _row_counts() == counts
    assert _content() == content


def test_reseeding_clears_what_people_did_with_the_demo(app, client, make_user, login):
    _seed()
    counts, open_alerts = _row_counts(), _open_alerts()
    real = login(make_user("clinician"))  # a real account looking at demo patients
    patient_id = db.session.scalar(select(Patient.id).order_by(Patient.id))
    assert client.get(f"/clinic/patients/{patient_id}").status_code == 200
    alert = db.session.scalar(select(Alert).where(Alert.acknowledged_at.is_(None)))
    page = f"/clinic/patients/{alert.patient_id}"
    response = client.post(f"/clinic/alerts/{alert.id}/ack",
                           data={"note": "Called.", "csrf_token": csrf_token(client, page)})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.actor_id == real.id))
    assert _open_alerts() == open_alerts - 1
    _seed()
    assert db.session.get(User, real.id) is not None  # real accounts stay
    after = _row_counts()
    after["users"] -= 1
    after["user_sessions"] -= 1  # the real account's sign-in, which stays with it
    assert after == counts
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.actor_id == real.id)) == 0
    assert _open_alerts() == open_alerts  # the acknowledgement made on the old demo is gone


def test_seed_demo_refuses_a_database_with_real_patients_and_writes_nothing(app, runner, make_patient):
    make_patient()
    before = _row_counts()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "did not create" in result.output
    assert _row_counts() == before
    with pytest.raises(demo.DemoRefused):
        demo.seed(NOW)
    db.session.rollback()
    assert _row_counts() == before


def test_if_empty_skips_a_database_that_already_has_users(app, runner, make_user):
    make_user("clinician")
    before = _row_counts()
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0
    assert "left it unchanged" in result.output
    assert _row_counts() == before


def test_the_demo_books_follow_ups_past_and_ahead_with_their_reminders_seeded_on_a_sunday_night(app):
    now = NOW.replace(day=22, hour=3)  # NOW, a Friday afternoon, in test_seeding_twice_...
    _seed(now)
    _expect_follow_ups_past_and_ahead_with_their_reminders(now)


def _expect_follow_ups_past_and_ahead_with_their_reminders(now):
    from zoneinfo import ZoneInfo

    from recovery.models import CallTask
    from recovery.services import calls, worklist

    clinic = ZoneInfo("America/Chicago")
    today = now.astimezone(clinic).date()
    visits = db.session.scalars(select(Appointment).where(Appointment.kind != "check_72h")).all()
    patients = db.session.scalar(select(func.count()).select_from(Patient))
    follow_ups = [v for v in visits if v.kind == "follow_up"]
    assert len({v.patient_id for v in follow_ups}) > patients / 2  # most patients
    past = [v for v in follow_ups if v.scheduled_for < now]
    ahead = [v for v in visits if v.scheduled_for > now]
    assert {v.status for v in past} == {"completed", "missed"}
    assert len(ahead) >= 8 and all(v.status == "scheduled" for v in ahead)
    for v in visits:
        local = v.scheduled_for.astimezone(clinic)
        assert local.weekday() < 5 and time(8, 0) <= local.time() <= time(16, 30), local
    assert all(v.scheduled_for.astimezone(clinic).date() <= today + timedelta(days=14) for v in ahead)
    assert len({v.clinician_id for v in visits}) == 2  # some booked with the second clinician
    # Reminders: planned for the visits ahead, and those already due went out.
    pending = set(db.session.scalars(select(Reminder.appointment_id).where(
        Reminder.status == "pending", Reminder.kind.in_(("follow_up_morning", "visit_summary")))))
    later = {v.id for v in ahead if v.kind == "follow_up" and v.scheduled_for.astimezone(clinic).date() > today}
    assert later and later <= pending
    assert db.session.scalar(select(func.count()).select_from(Reminder).where(
        Reminder.kind == "follow_up_before", Reminder.status == "sent")) >= len(past) / 2
    # Some still wait for a booking, and yesterday's (the last weekday's) no-show is a call to make.
    assert worklist.follow_up_worklist(now).total >= 3
    assert any(t.reason.startswith("Did not come") for t in calls.open_tasks(now))
    assert db.session.scalar(select(func.count()).select_from(CallTask).where(
        CallTask.reason == "missed_visit", CallTask.closed_at.is_not(None)))  # older ones were called


def test_the_demo_shows_check_ins_made_when_asked_by_channel_and_week_with_texts_delivered(app, client, login,
                                                                                          make_user):
    from recovery.models import ReminderDelivery

    from .sms_helpers import ACCOUNT, TOKEN

    app.config.update(TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_AUTH_TOKEN=TOKEN, TWILIO_FROM="+12195550100",
                      TWILIO_API_BASE="http://127.0.0.1:9")  # as make run seeds it: texts to the sink
    demo.seed(NOW)
    db.session.commit()
    steps = dict(db.session.execute(select(ReminderDelivery.step, func.count()).group_by(ReminderDelivery.step)).all())
    assert steps["answered"] > 100 and steps["delivered"] > 50 and 0 < steps.get("failed", 0) < steps["delivered"] / 5

    login(make_user("clinician"))
    page = client.get("/clinic/cohort").get_data(as_text=True)
    made, asked = map(int, re.search(r"were made: (\d+) of (\d+)\.", page).groups())
    assert 0.6 < made / asked < 0.95  # most check-ins asked for are made, not all
    channels = set(re.findall(r'<tr data-channel="(\w+)">', page))
    assert {"in_app", "sms"} <= channels
    weeks = [int(w) for w in re.findall(r'<tr data-week="(\d+)">', page)]
    assert weeks[:12] == list(range(1, 13))  # every week of the daily and weekly nudges has asks
    # A patient's page says how many of theirs were made.
    patient = db.session.scalar(select(Patient).where(Patient.record_number == "DEMO-0010"))
    line = client.get(f"/clinic/patients/{patient.id}").get_data(as_text=True)
    assert re.search(r"Check-ins made when asked: \d+ of [1-9]\d* \(\d+%\)\.", line)
