"""Issue 19: silence in the weekly phase, persistent pain at weeks 5-7, and a status that cannot go stale."""

from datetime import date, timedelta

import pytest

from recovery.extensions import db
from recovery.services import triage
from recovery.services.clinic import PatientSummary, patient_summaries
from recovery.services.enrolment import discharge_patient
from recovery.services.triage import Episode, missed_checkins, persistent_pain, silent_since

from .conftest import NOW
from .test_triage import alerts_of, checkin
from .test_triage_rules import DAY0, facts

# Silence: the missed-check-ins rule, extended to the weekly phase -------------------------------------


@pytest.mark.parametrize("last, today, fires", [
    (9, 13, True),    # day 13: days 10-12 silent, the daily 3-day rule
    (10, 13, False),  # day 13: days 11-12 silent only
    (12, 15, False),  # day 15: days 13-14 of the daily phase, 0 of the weekly threshold
    (10, 15, True),   # day 15: days 11-14 silent in the daily phase
    (14, 24, False),  # weekly phase: 9 silent days are allowed
    (14, 25, True),   # 10 silent days (15-24)
    (70, 81, True),   # 10 silent days (71-80), still inside week 12
    (80, 120, False),  # silence after week 12 is not an episode (reminders have ended)
])
def test_silence_is_measured_against_the_schedule_3_days_daily_then_10_days_weekly(last, today, fires):
    assert (missed_checkins(facts([5], days=[last], today=today)) is not None) is fires
    assert (silent_since(DAY0, DAY0 + timedelta(days=today), DAY0 + timedelta(days=last)) is not None) is fires


def test_silence_is_routine_unless_the_last_recorded_pain_was_8_or_more():
    assert missed_checkins(facts([7], days=[14], today=25)).severity == "routine"
    assert missed_checkins(facts([8], days=[14], today=25)).severity == "high"
    assert missed_checkins(facts([9], days=[1], today=5)).severity == "high"
    assert missed_checkins(facts([], today=5)).severity == "routine"


# Persistent pain: the latest check-in of days 35-49, from day 49 on -------------------------------------

def test_persistent_pain_is_raised_from_day_49_on_the_latest_checkin_of_days_35_to_49():
    f = facts([7, 7], days=[36, 44], today=49, baseline=8)
    assert persistent_pain(f) == Episode("persistent_pain", 144, "p7:weeks5-7")
    assert persistent_pain(f).severity == "routine"
    assert persistent_pain(facts([7, 7], days=[36, 44], today=48, baseline=8)) is None  # before day 49
    assert persistent_pain(facts([7, 7], days=[36, 44], today=70, baseline=8)) is not None  # still on


@pytest.mark.parametrize("days, pains, fires", [
    ([36, 44], [7, 5], False),  # the latest of the window meets the responder rule (8 -> 5)
    ([36, 44], [5, 7], True),   # relief earlier in the window does not count: the latest decides
    ([30, 60], [8, 8], False),  # no check-in in days 35-49: nothing to judge
    ([40, 60], [8, 2], True),   # a later check-in outside the window does not change it ...
])
def test_persistent_pain_judges_only_the_latest_checkin_of_the_window(days, pains, fires):
    assert (persistent_pain(facts(pains, days=days, today=61, baseline=8)) is not None) is fires


def test_persistent_pain_is_high_when_the_last_recorded_pain_is_8_or_more():
    assert persistent_pain(facts([7, 8], days=[44, 55], today=56, baseline=8)).severity == "high"
    assert persistent_pain(facts([8, 7], days=[44, 55], today=56, baseline=8)).severity == "routine"


def test_persistent_pain_skips_patients_without_a_baseline_and_discharged_patients():
    assert persistent_pain(facts([7], days=[44], today=50, baseline=None)) is None
    assert persistent_pain(facts([7], days=[44], today=50, discharged=True)) is None


def test_the_new_wording_reports_what_was_recorded_without_diagnosing():
    words = str(triage.listing.describe("persistent_pain", "p7:weeks5-7", 7, 8))
    assert "7" in words and "8" in words and "responder rule is not met" in words


# Against the database: once per episode, closed automatically ----------------------------------------

def test_weekly_silence_raises_one_alert_and_checking_in_closes_it(make_patient):
    patient = make_patient(performed_at=NOW - timedelta(days=30))
    checkin(patient, NOW - timedelta(days=11), 5)  # day 19; days 20-29 silent by NOW (day 30)
    triage.evaluate_all(NOW - timedelta(days=1))
    db.session.commit()
    assert alerts_of("missed_checkins", patient) == []  # 9 days: allowed in the weekly phase
    for minutes in (0, 5, 60):
        triage.evaluate_all(NOW + timedelta(minutes=minutes))
        db.session.commit()
    [alert] = alerts_of("missed_checkins", patient)
    assert alert.is_open and alert.severity == "routine"
    checkin(patient, NOW + timedelta(hours=2), 4)
    [alert] = alerts_of("missed_checkins", patient)
    assert not alert.is_open and alert.note.startswith("Closed automatically")


def test_persistent_pain_raises_one_alert_in_the_sweep_and_closes_on_discharge(make_patient, make_user):
    patient = make_patient(performed_at=NOW - timedelta(days=50), baseline_pain=8)
    checkin(patient, NOW - timedelta(days=10), 8)  # day 40: pain 8 of baseline 8
    checkin(patient, NOW - timedelta(hours=1), 8)  # day 50 (written while checking in: evaluated)
    [alert] = alerts_of("persistent_pain", patient)
    assert alert.severity == "high" and alert.is_open
    for days in (0, 1, 2):
        triage.evaluate_all(NOW + timedelta(days=days))
        db.session.commit()
    assert len(alerts_of("persistent_pain", patient)) == 1
    discharge_patient(patient, make_user("staff"), NOW + timedelta(days=3))
    db.session.commit()
    triage.evaluate_all(NOW + timedelta(days=3))
    db.session.commit()
    [alert] = alerts_of("persistent_pain", patient)
    assert not alert.is_open and alert.note.startswith("Closed automatically")


def test_a_patient_never_shows_responding_while_a_silence_alert_is_open(make_patient):
    patient = make_patient(performed_at=NOW - timedelta(days=30), baseline_pain=8)
    checkin(patient, NOW - timedelta(days=11), 3)  # responding (8 -> 3), then silent
    [row] = [r for r in patient_summaries(NOW - timedelta(days=1)) if r.id == patient.id]
    assert row.status == "responding"
    triage.evaluate_all(NOW)
    db.session.commit()
    assert alerts_of("missed_checkins", patient)[0].is_open
    [row] = [r for r in patient_summaries(NOW) if r.id == patient.id]
    assert row.status == "no_recent_data"


# The status: stale at the schedule's thresholds, long-term after week 12 -----------------------------

def summary(day: int, last: int | None, pain: int | None = 3, baseline: int = 8) -> PatientSummary:
    today = date(2026, 12, 31)
    return PatientSummary(
        id=1, name="A", record_number="R", discharged=False, procedure_type="kyphoplasty",
        days_since_procedure=day, baseline_pain=baseline, pain_now=pain if last is not None else None,
        pain_date=today - timedelta(days=day - last) if last is not None else None, open_alerts=0,
        urgent=False, last_checkin=None, today=today)


@pytest.mark.parametrize("day, last, status", [
    (13, 10, "responding"),       # daily phase: 2 silent days
    (13, 9, "no_recent_data"),    # 3 silent days
    (15, 12, "responding"),       # weekly phase begins: 2 days
    (15, 10, "no_recent_data"),   # days 11-14 silent
    (24, 14, "responding"),       # 9 silent days in the weekly phase
    (25, 14, "no_recent_data"),   # 10
    (84, 80, "responding"),       # week 12, the last day of the schedule
    (85, 80, "long_term"),        # after week 12
    (200, 30, "long_term"),
])
def test_the_status_becomes_no_recent_data_at_the_silence_rules_thresholds(day, last, status):
    assert summary(day, last).status == status


def test_a_stale_non_responder_is_no_recent_data_and_a_patient_never_checked_in_keeps_its_status():
    assert summary(25, 14, pain=7).status == "no_recent_data"
    assert summary(24, 14, pain=7).status == "not_responding"
    assert summary(5, None).status == "no_checkin"
