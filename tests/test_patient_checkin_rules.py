"""The rules behind the patient's check-in, at service level with an explicit `now`."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from recovery import checkin_form
from recovery.extensions import db
from recovery.models import MEDICATION, Alert, CheckIn
from recovery.patient import progress
from recovery.services import checkins
from recovery.services.procedures import check_72h
from tests.answers import checkin_answers

from .conftest import NOW

ANSWERS = checkin_answers()


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("hours, completes", [(60, True), (72, True), (96, True),
                                              (59, False), (97, False)])
def test_72_hour_check_is_completed_by_a_checkin_60_to_96_hours_after(
    make_patient, hours, completes
):
    patient = make_patient(performed_at=NOW - timedelta(hours=hours))
    result = checkins.save_checkin(patient, ANSWERS, NOW)
    db.session.commit()
    assert (check_72h(patient.current_procedure).status == "completed") is completes
    assert result.checkin.is_72h_check is completes


def test_a_double_click_race_updates_the_row_the_first_click_wrote(make_patient, monkeypatch):
    patient = make_patient(performed_at=NOW - timedelta(days=2))
    checkins.save_checkin(patient, ANSWERS, NOW)
    db.session.commit()
    # The second request looked before the first one's row was visible: it tries to insert too.
    real = checkins.todays_checkin
    calls = {"n": 0}

    def not_yet_visible(patient, day):
        calls["n"] += 1
        return None if calls["n"] == 1 else real(patient, day)

    monkeypatch.setattr(checkins, "todays_checkin", not_yet_visible)
    result = checkins.save_checkin(patient, {**ANSWERS, "pain_now": 2}, NOW + timedelta(seconds=1))
    db.session.commit()
    assert result.created is False
    assert _count(CheckIn) == 1
    assert db.session.scalar(select(CheckIn)).pain_now == 2


def test_a_red_flag_raises_one_alert_however_often_it_is_resubmitted(make_patient):
    patient = make_patient(performed_at=NOW - timedelta(days=2))
    for minutes in (0, 5, 10):
        later = NOW + timedelta(minutes=minutes)
        checkins.save_checkin(patient, {**ANSWERS, "flag_neuro": "yes"}, later)
    checkins.save_checkin(patient, ANSWERS, NOW + timedelta(minutes=15))  # "no" later
    db.session.commit()
    assert _count(Alert) == 1
    assert db.session.scalar(select(CheckIn)).red_flags == ["flag_neuro"]


def test_checkins_on_two_local_days_are_two_rows(make_patient):
    patient = make_patient(performed_at=NOW - timedelta(days=3))
    checkins.save_checkin(patient, ANSWERS, NOW)
    checkins.save_checkin(patient, ANSWERS, NOW + timedelta(days=1))
    db.session.commit()
    assert [c.local_date.isoformat() for c in checkins.patient_checkins(patient)] == [
        "2026-11-21", "2026-11-20"]


def test_days_since_procedure_count_in_the_patients_own_time_zone(make_patient):
    # 23:30 in Chicago on 17 November is already 18 November in UTC.
    performed = datetime(2026, 11, 18, 5, 30, tzinfo=timezone.utc)
    chicago = make_patient(performed_at=performed)
    tokyo = make_patient(performed_at=performed, tz="Asia/Tokyo")  # 14:30 on 18 November
    assert progress.summarise(chicago, NOW).day == 3  # 20 Nov (09:00 local) - 17 Nov
    assert progress.summarise(tokyo, NOW).day == 3  # 21 Nov (00:00 local) - 18 Nov
    assert progress.summarise(chicago, performed).day == 0


def test_summary_of_a_patient_without_procedure_says_so(make_patient):
    summary = progress.summarise(make_patient(procedure=False), NOW)
    assert summary.procedure is None and summary.day is None and not summary.checkins_open


def test_summary_compares_latest_pain_with_baseline(make_patient):
    patient = make_patient(performed_at=NOW - timedelta(days=3), baseline_pain=9)
    yesterday = NOW - timedelta(days=1)
    checkins.save_checkin(patient, {**ANSWERS, "pain_now": 7, "worst_pain": 8}, yesterday)
    checkins.save_checkin(patient, {**ANSWERS, "pain_now": 6, "worst_pain": 8}, NOW)
    db.session.commit()
    summary = progress.summarise(patient, NOW)
    assert summary.latest.pain_now == 6
    assert summary.responder is True  # 9 -> 6: 3 points and 33%
    assert summary.todays_checkin is summary.latest


@pytest.mark.parametrize("day, stage", [(0, "first_days"), (3, "first_days"), (4, "first_weeks"),
                                        (27, "first_weeks"), (28, "healing"), (83, "healing"),
                                        (84, "later")])
def test_what_to_expect_follows_the_day_since_the_procedure(day, stage):
    assert progress.stage(day) == stage


def test_every_medication_and_pain_score_has_words():
    assert tuple(checkin_form.MEDICATION_LABELS) == MEDICATION
    assert sorted(checkin_form.PAIN_WORDS) == list(range(11))
