"""Triage against the database: alerts raised once per episode, closed when due, listed by urgency."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select

from recovery.extensions import db
from recovery.models import RED_FLAGS, Alert, CheckIn, Patient, Procedure, User
from recovery.services import alerts, triage
from recovery.services.checkins import save_checkin
from tests.answers import checkin_answers

from .conftest import NOW, statements

ANSWERS = checkin_answers()

NO_FLAGS = dict.fromkeys(RED_FLAGS, False)  # every red flag answered no


def checkin(patient, at, pain, **extra):
    """A check-in through the real service (which runs the triage rules on write)."""
    result = save_checkin(patient, {**ANSWERS, "pain_now": pain, "worst_pain": max(pain, 6), **extra}, at)
    db.session.commit()
    return result.checkin


def alerts_of(kind, patient=None) -> list[Alert]:
    stmt = select(Alert).where(Alert.kind == kind).order_by(Alert.id)
    if patient is not None:
        stmt = stmt.where(Alert.patient_id == patient.id)
    return list(db.session.scalars(stmt))




# Non-responder at the 72-hour check -------------------------------------------------------------

def test_a_non_responder_at_the_72_hour_check_gets_one_routine_alert(make_patient):
    patient = make_patient(performed_at=NOW - timedelta(hours=72), baseline_pain=8)
    first = checkin(patient, NOW, pain=7)
    assert first.is_72h_check
    triage.evaluate_patient(patient, NOW + timedelta(minutes=5))
    triage.evaluate_all(NOW + timedelta(minutes=10))
    db.session.commit()
    [alert] = alerts_of("non_responder")
    assert (alert.severity, alert.checkin_id, alert.is_open) == ("routine", first.id, True)


def test_a_responder_at_the_72_hour_check_raises_nothing(make_patient):
    patient = make_patient(performed_at=NOW - timedelta(hours=72), baseline_pain=8)
    checkin(patient, NOW, pain=5)
    assert alerts_of("non_responder") == []


def test_a_corrected_72_hour_answer_closes_the_alert_automatically(make_patient):
    patient = make_patient(performed_at=NOW - timedelta(hours=72), baseline_pain=8)
    checkin(patient, NOW, pain=7)
    checkin(patient, NOW + timedelta(hours=1), pain=4)  # the same day, answered again
    [alert] = alerts_of("non_responder")
    assert not alert.is_open and alert.acknowledged_by_id is None
    assert alert.note.startswith("Closed automatically")


# Worsening after relief ---------------------------------------------------------------------------

def test_worsening_is_raised_once_per_episode_and_again_only_after_it_cleared(make_patient):
    patient = make_patient(performed_at=NOW - timedelta(days=6))
    pains = {5: 3, 4: 6, 3: 7, 2: 8}  # days before NOW -> pain: relief, then up 3, 4, 5 points
    for ago, pain in pains.items():
        checkin(patient, NOW - timedelta(days=ago), pain)
    [alert] = alerts_of("worsening")
    assert alert.severity == "high" and alert.detail.endswith(":since:2026-11-16")
    checkin(patient, NOW - timedelta(days=1), 3)  # back down: the episode ends ...
    assert len(alerts_of("worsening")) == 1 and alerts_of("worsening")[0].is_open  # ... the alert stays
    checkin(patient, NOW, 6)  # and comes back
    triage.evaluate_patient(patient, NOW + timedelta(hours=1))
    db.session.commit()
    assert [a.detail.rsplit(":", 1)[1] for a in alerts_of("worsening")] == ["2026-11-16", "2026-11-20"]


def test_pain_that_never_rises_3_points_above_its_lowest_raises_no_worsening(make_patient):
    patient = make_patient(performed_at=NOW - timedelta(days=6))
    for ago, pain in {5: 6, 4: 4, 3: 5, 2: 6, 1: 5, 0: 6}.items():
        checkin(patient, NOW - timedelta(days=ago), pain)
    assert alerts_of("worsening") == []


# Missed check-ins ---------------------------------------------------------------------------------

def test_three_silent_days_raise_one_alert_the_sweep_does_not_repeat(make_patient):
    patient = make_patient(performed_at=NOW - timedelta(days=5))
    checkin(patient, NOW - timedelta(days=4), 5)  # day 1; then days 2, 3 and 4 are silent
    assert alerts_of("missed_checkins") == []
    for minutes in (0, 5, 60):
        triage.evaluate_all(NOW + timedelta(minutes=minutes))
        db.session.commit()
    [alert] = alerts_of("missed_checkins")
    assert alert.severity == "routine" and alert.detail.endswith(":since:2026-11-16")


def test_checking_in_again_closes_the_missed_alert_and_a_new_silence_reopens_one(make_patient, make_user):
    patient = make_patient(performed_at=NOW - timedelta(days=5))
    checkin(patient, NOW - timedelta(days=4), 5)
    triage.evaluate_all(NOW)
    db.session.commit()
    checkin(patient, NOW + timedelta(hours=2), 4)
    [closed] = alerts_of("missed_checkins")
    assert not closed.is_open and closed.note.startswith("Closed automatically")
    triage.evaluate_all(NOW + timedelta(days=3))  # days 6 and 7 silent: not yet
    db.session.commit()
    assert len(alerts_of("missed_checkins")) == 1
    triage.evaluate_all(NOW + timedelta(days=4))  # days 6, 7 and 8: a new episode
    db.session.commit()
    old, new = alerts_of("missed_checkins")
    assert new.is_open and new.detail.endswith(":since:2026-11-20")
    alerts.acknowledge(new.id, make_user("clinician"), "Phoned: fine, forgot.", NOW + timedelta(days=4))
    triage.evaluate_all(NOW + timedelta(days=5))  # still silent, acknowledged: not raised again
    db.session.commit()
    assert len(alerts_of("missed_checkins")) == 2


def test_the_sweep_leaves_old_and_discharged_patients_alone(make_patient):
    make_patient(performed_at=NOW - timedelta(days=200))
    make_patient(performed_at=NOW - timedelta(days=6), discharged=True)
    triage.evaluate_all(NOW)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Alert)) == 0


def _bulk(count: int, start: int) -> None:
    """Patients 5 days after a kyphoplasty who checked in on day 1 only (so, silent days 2-4)."""
    users = list(db.session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), [
        {"role": "patient", "display_name": f"Bulk {start + i}", "active": True} for i in range(count)]))
    patients = list(db.session.scalars(insert(Patient).returning(Patient.id, sort_by_parameter_order=True), [
        {"user_id": u, "record_number": f"B-{start + i}", "date_of_birth": date(1950, 1, 1), "phone": "555-0100",
         "timezone": "America/Chicago"} for i, u in enumerate(users)]))
    performed = NOW - timedelta(days=5)
    procedures = list(db.session.scalars(insert(Procedure).returning(Procedure.id, sort_by_parameter_order=True), [
        {"patient_id": p, "type": "kyphoplasty", "performed_at": performed, "levels": "L1",
         "fracture_cause": "osteoporosis", "anaesthesia": "local", "setting": "outpatient", "baseline_pain": 8}
        for p in patients]))
    day1 = performed.astimezone(ZoneInfo("America/Chicago")).date() + timedelta(days=1)
    db.session.execute(insert(CheckIn), [
        {"patient_id": p, "procedure_id": proc, "local_date": day1, "pain_now": 6, "worst_pain": 7,
         "walking_level": 2, "minutes_upright": 60, "medication": "otc", "sleep_disturbed": False, **NO_FLAGS}
        for p, proc in zip(patients, procedures, strict=True)])
    db.session.commit()


@pytest.mark.parametrize("first, second", [(5, 50)])
def test_the_sweep_issues_the_same_number_of_statements_for_5_or_50_patients(app, first, second):
    counts = []
    for start, count in ((0, first), (1000, second)):
        for model in (Alert, CheckIn, Procedure, Patient, User):
            db.session.execute(model.__table__.delete())
        db.session.commit()
        _bulk(count, start)
        with statements() as seen:
            outcome = triage.evaluate_all(NOW)
            db.session.commit()
        assert len(outcome.raised) == count
        counts.append(len(seen))
        with statements() as again:  # nothing new: reads only
            assert triage.evaluate_all(NOW + timedelta(minutes=5)).raised == []
        counts.append(len(again))
    assert counts[0] == counts[2] and counts[1] == counts[3] == 3


# The triage list ----------------------------------------------------------------------------------

def _alert(patient, kind, severity, minutes_ago, detail="", acknowledged=False):
    at = NOW - timedelta(minutes=minutes_ago)
    alert = Alert(patient_id=patient.id, kind=kind, severity=severity, detail=detail, created_at=at,
                  acknowledged_at=at if acknowledged else None)
    db.session.add(alert)
    db.session.commit()
    return alert


def test_the_triage_list_puts_the_most_urgent_first_then_the_longest_waiting(make_patient):
    ann = make_patient(name="Ann Example")
    bob = make_patient(name="Bob Example")
    routine = _alert(ann, "missed_checkins", "routine", 300, "p1:since:2026-11-16")
    high = _alert(bob, "worsening", "high", 10, "p2:since:2026-11-19")
    urgent_new = _alert(bob, "red_flag", "urgent", 5, "flag_neuro")
    urgent_old = _alert(ann, "red_flag", "urgent", 60, "flag_chest")
    missed_72h = _alert(ann, "missed_72h", "high", 30, "appointment:1")
    _alert(ann, "red_flag", "urgent", 1, "flag_calf", acknowledged=True)
    items = triage.triage_list(NOW)
    assert [i.alert_id for i in items] == [urgent_old.id, urgent_new.id, missed_72h.id, high.id, routine.id]
    first = items[0]
    assert (first.patient_name, first.severity, str(first.kind_label)) == ("Ann Example", "urgent", "Red flag")
    assert str(first.words) == "Chest pain or shortness of breath"
    assert first.waiting == timedelta(minutes=60)
    assert str(items[-1].words) == "No check-in since 2026-11-16."
    assert str(items[2].kind_label) == "Missed the 72-hour check"


def test_the_triage_list_describes_rule_alerts_with_their_numbers(make_patient):
    patient = make_patient(performed_at=NOW - timedelta(hours=72), baseline_pain=8, name="Cy Example")
    checkin(patient, NOW, pain=7)
    [item] = triage.triage_list(NOW)
    assert str(item.kind_label) == "Not responding at the 72-hour check"
    assert str(item.words) == "Pain 7 at the 72-hour check, from 8 before the procedure."


def test_the_triage_list_can_show_one_clinicians_patients(make_patient, make_user):
    mine, theirs = make_user("clinician"), make_user("clinician")
    a = make_patient(clinician_id=mine.id)
    b = make_patient(clinician_id=theirs.id)
    _alert(a, "red_flag", "urgent", 5, "flag_neuro")
    _alert(b, "red_flag", "urgent", 5, "flag_neuro")
    assert [i.patient_id for i in triage.triage_list(NOW, clinician_id=mine.id)] == [a.id]


def test_the_triage_list_is_one_query_however_many_alerts(make_patient):
    patients = [make_patient() for _ in range(3)]
    sizes = []
    for n in (1, 10):
        for p in patients:
            for i in range(n):
                _alert(p, "red_flag", "urgent", i, f"flag_{n}_{i}")
        with statements() as seen:
            items = triage.triage_list(NOW)
            [str(i.words) for i in items]
        sizes.append(len(seen))
    assert sizes == [1, 1]


def test_an_episode_raised_meanwhile_by_another_writer_is_not_duplicated(make_patient, monkeypatch):
    ann, bob = make_patient(performed_at=NOW - timedelta(days=6)), make_patient(performed_at=NOW - timedelta(days=6))
    with monkeypatch.context() as m:  # write the check-ins without the on-write evaluation
        m.setattr(triage, "evaluate_patient", lambda *args, **kwargs: None)
        for patient in (ann, bob):
            checkin(patient, NOW - timedelta(days=5), 3)
            save_checkin(patient, {**ANSWERS, "pain_now": 7, "worst_pain": 7}, NOW - timedelta(days=4))
            db.session.commit()
    triage.evaluate_patient(ann, NOW)  # Ann's worsening is raised ...
    db.session.commit()
    real = triage.evaluate.load
    # ... but this sweep read the alerts before that commit: it believes none exist.
    monkeypatch.setattr(triage.evaluate, "load", lambda now, pid=None: [(f, []) for f, _ in real(now, pid)])
    outcome = triage.evaluate_all(NOW)
    db.session.commit()
    assert [r["patient_id"] for r in outcome.raised if r["kind"] == "worsening"] == [bob.id]
    assert len(alerts_of("worsening", ann)) == 1 and len(alerts_of("worsening", bob)) == 1


def test_a_checkin_write_raises_worsening_without_any_page_view_or_sweep(make_patient):
    patient = make_patient(performed_at=NOW - timedelta(days=6))
    checkin(patient, NOW - timedelta(days=5), 3)
    assert alerts_of("worsening", patient) == []
    checkin(patient, NOW - timedelta(days=4), 7)  # up 4 from the lowest of the last 14 days
    assert [a.severity for a in alerts_of("worsening", patient)] == ["high"]


def test_the_scheduler_sweep_raises_missed_checkins(make_patient):
    from recovery.jobs import plan_all

    patient = make_patient(performed_at=NOW - timedelta(days=8))
    checkin(patient, NOW - timedelta(days=7), 5)
    plan_all(NOW)  # five silent days in the first two weeks
    assert len(alerts_of("missed_checkins", patient)) == 1
    plan_all(NOW + timedelta(hours=1))
    assert len(alerts_of("missed_checkins", patient)) == 1
