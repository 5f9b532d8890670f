"""A red flag is never lost: saved with other answers missing or refused, finished later.

Every reader of check-ins (clinic page, CSV, FHIR, API, visit summary, cohort, patient pages)
shows such an incomplete check-in, its unknown answers as "not answered", never as "no".
"""

import csv
import html as html_lib
import io
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select, text

from recovery.extensions import db
from recovery.models import Alert, CheckIn, Reminder, procedure_buckets, utcnow
from recovery.reminders import links, outbox
from recovery.services import checkins
from recovery.services.procedures import check_72h
from recovery.services.triage.rules import Entry, Facts, persistent_pain, worsening

from .api_helpers import Api
from .conftest import NOW, csrf_token
from .databases import flask_command, fresh_database, insert_an_old_patient

FULL = {
    "pain_now": "4", "worst_pain": "6", "walking_level": "2", "minutes_upright": "20",
    "medication": "otc", "sleep_disturbed": "no", "flag_neuro": "no", "flag_chest": "no",
    "flag_infection": "no", "flag_calf": "no", "note": "",
}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _text(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def _post(client, url, data):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, url)})


@pytest.fixture
def patient(make_patient, login):
    p = make_patient(name="Ada Lovelace")
    login(p.user)
    return p


def _partial(patient, now=NOW, **answers):
    """Save a check-in with only these answers (a red flag among them) at `now`."""
    result = checkins.save_checkin(patient, answers or {"flag_chest": "yes"}, now)
    db.session.commit()
    return result


# Saving: the patient page, staff phone entry, the API

def test_patient_page_saves_a_red_flag_with_other_answers_missing(client, patient):
    response = _post(client, "/patient/checkin", {"flag_chest": "yes", "worst_pain": "6"})
    page = _text(response)
    assert response.status_code == 200
    assert "Call 911 now" in page and 'href="tel:911"' in page  # the guidance at once
    assert "Your warning sign is saved. Some answers are still missing" in page
    assert 'id="pain_now-error"' in page and 'id="flag_calf-error"' in page  # missing ones marked
    assert 'name="worst_pain" value="6" checked' in page  # the answer given is kept
    assert 'name="flag_chest" value="yes" checked' in page
    checkin = db.session.scalar(select(CheckIn))
    assert (checkin.flag_chest, checkin.worst_pain, checkin.complete) == (True, 6, False)
    assert checkin.pain_now is None and checkin.flag_calf is None  # unknown, never "no"
    assert db.session.scalar(select(Alert.detail).where(Alert.kind == "red_flag")) == "flag_chest"


def test_a_refused_answer_beside_a_red_flag_keeps_the_good_answers(client, patient):
    response = _post(client, "/patient/checkin", {**FULL, "flag_neuro": "yes", "pain_now": "11"})
    assert response.status_code == 200
    assert "Please enter a whole number from 0 to 10." in _text(response)
    checkin = db.session.scalar(select(CheckIn))
    assert checkin.pain_now is None and checkin.worst_pain == 6 and checkin.flag_neuro is True
    assert not checkin.complete


def test_a_red_flag_with_only_the_note_refused_is_complete(make_patient):
    patient = make_patient()
    result = checkins.save_checkin(patient, {**FULL, "flag_chest": "yes", "note": "x" * 1001}, NOW)
    db.session.commit()
    assert result.complete and result.checkin.complete and result.checkin.note is None
    assert set(result.errors) == {"note"}


@pytest.mark.parametrize("answers", [
    {"flag_neuro": "no", "flag_chest": "no", "flag_infection": "no", "flag_calf": "no"},
    {"pain_now": "4"},
    {**FULL, "pain_now": "11"},
])
def test_without_a_red_flag_yes_a_refused_form_writes_nothing(client, patient, answers):
    response = _post(client, "/patient/checkin", answers)
    assert response.status_code == 400
    assert "Nothing was saved." in _text(response)
    assert (_count(CheckIn), _count(Alert)) == (0, 0)


def test_warning_signs_come_first_in_the_patient_form(client, patient):
    page = _text(client.get("/patient/checkin"))
    assert page.index('name="flag_neuro"') < page.index('name="pain_now"')


def test_staff_phone_entry_saves_a_red_flag_with_answers_missing(client, make_patient, make_user, login):
    target = make_patient()
    login(make_user("staff"))
    url = f"/staff/patients/{target.id}/checkin"
    response = _post(client, url, {"flag_calf": "yes", "pain_now": "5"})
    page = _text(response)
    assert response.status_code == 200
    assert "The red flag is saved and the clinicians have been alerted." in page
    assert 'id="worst_pain-error"' in page
    checkin = db.session.scalar(select(CheckIn))
    assert (checkin.flag_calf, checkin.pain_now, checkin.complete) == (True, 5, False)
    assert checkin.entered_by_id is not None
    assert page.index('name="flag_neuro"') < page.index('name="pain_now"')
    refused = _post(client, url, {"flag_calf": "no"})  # no red flag yes now, answers still missing
    assert refused.status_code == 400
    db.session.expire_all()
    assert db.session.scalar(select(CheckIn.flag_calf)) is True  # once reported, never erased


def test_emailed_link_saves_a_red_flag_and_stays_open_to_finish(client, make_patient):
    patient = make_patient()
    now = utcnow()
    token = links.issue_checkin_link(patient, checkins.local_today(patient, now), now)
    db.session.commit()
    url = f"/c/{token}"
    response = _post(client, url, {"flag_infection": "yes"})
    assert response.status_code == 200
    assert "Some answers are still missing" in _text(response) and f'action="{url}"' in _text(response)
    assert db.session.scalar(select(CheckIn.flag_infection)) is True
    assert client.get(url).status_code == 200  # not used up: the patient can finish
    finished = _post(client, url, {**FULL, "flag_infection": "yes"})
    assert finished.status_code == 200 and "Some answers are still missing" not in _text(finished)
    assert db.session.scalar(select(CheckIn.complete)) is True
    assert client.get(url).status_code == 404  # a complete check-in uses the link


def test_api_saves_a_red_flag_with_answers_missing_or_invalid(client, make_patient):
    patient = make_patient()
    api = Api(client, patient.user)
    response = api.put("/me/checkins/today", json={"flag_chest": True, "pain_now": "3", "worst_pain": 6})
    body = response.get_json()
    assert response.status_code == 201
    assert body["complete"] is False and body["urgent"]["action"] == "call_911"
    assert {"pain_now", "walking_level", "flag_neuro"} <= set(body["errors"])
    assert body["checkin"]["pain_now"] is None and body["checkin"]["worst_pain"] == 6
    assert body["checkin"]["flag_neuro"] is None and "pain_now" in body["checkin"]["missing"]
    assert _count(Alert) == 1
    # Finishing it: only the missing answers, the stored ones stay.
    rest = {"pain_now": 3, "walking_level": 3, "minutes_upright": 30, "medication": "otc",
            "sleep_disturbed": False, "flag_neuro": False, "flag_infection": False, "flag_calf": False}
    done = api.put("/me/checkins/today", json=rest)
    assert done.status_code == 200, done.get_json()
    saved = done.get_json()["checkin"]
    assert done.get_json()["complete"] is True and saved["worst_pain"] == 6 and saved["flag_chest"] is True


def test_api_refuses_missing_answers_without_a_red_flag_and_writes_nothing(client, make_patient):
    api = Api(client, make_patient().user)
    response = api.put("/me/checkins/today", json={"flag_chest": False, "pain_now": 3})
    assert response.status_code == 422
    assert _count(CheckIn) == 0


# What an incomplete check-in does not do

def test_an_incomplete_checkin_does_not_settle_the_72_hour_check(make_patient):
    patient = make_patient(performed_at=NOW - timedelta(hours=70))
    result = _partial(patient)
    assert check_72h(patient.current_procedure).status != "completed"
    assert result.checkin.is_72h_check is False
    checkins.save_checkin(patient, {**FULL, "flag_chest": "yes"}, NOW + timedelta(minutes=5))
    db.session.commit()
    assert check_72h(patient.current_procedure).status == "completed"


def test_an_incomplete_checkin_leaves_the_days_nudge_owed(make_patient):
    patient = make_patient(performed_at=NOW - timedelta(days=5))
    outbox.sync_patient(patient, NOW)
    db.session.commit()
    today = checkins.local_today(patient, NOW)

    def todays_nudges():
        db.session.expire_all()
        return {r.status for r in db.session.scalars(select(Reminder).where(
            Reminder.patient_id == patient.id, Reminder.kind == "daily_nudge", Reminder.for_date == today))}

    assert todays_nudges() == {"pending"}
    _partial(patient)
    outbox.sync_patient(patient, NOW + timedelta(minutes=1))  # as the sweep re-plans
    db.session.commit()
    assert todays_nudges() == {"pending"}
    checkins.save_checkin(patient, FULL, NOW + timedelta(minutes=2))
    db.session.commit()
    assert todays_nudges() == {"cancelled"}


def test_pain_rules_skip_a_checkin_without_pain():
    day = NOW.date()
    entries = (Entry(1, day - timedelta(days=3), 2), Entry(2, day - timedelta(days=1), 6),
               Entry(3, day, None))
    facts = Facts(1, 1, day - timedelta(days=60), 8, day, False, entries)
    episode = worsening(facts)  # judged on the latest pain given, day -1
    assert episode is not None and episode.checkin_id == 2
    late = (Entry(4, day - timedelta(days=20), 7), Entry(5, day - timedelta(days=15), None))
    assert persistent_pain(Facts(1, 1, day - timedelta(days=60), 8, day, False, late)).checkin_id == 4


def test_an_incomplete_checkin_raises_no_worsening_and_no_cohort_point(make_patient):
    patient = make_patient(performed_at=NOW - timedelta(days=10))
    checkins.save_checkin(patient, {**FULL, "pain_now": "2", "worst_pain": "3"}, NOW - timedelta(days=2))
    _partial(patient, flag_infection="yes")
    kinds = set(db.session.scalars(select(Alert.kind)))
    assert kinds == {"red_flag"}
    pains = db.session.execute(select(procedure_buckets)).one()._mapping
    points = [v for k, v in pains.items() if k.endswith("_pain") and k != "latest_pain" and v is not None]
    assert points == [2]
    assert pains["latest_pain"] == 2  # the list's latest pain figure is still the one given


def test_finishing_later_never_blanks_an_answer_given(client, patient):
    _post(client, "/patient/checkin", {"flag_chest": "yes", "worst_pain": "7", "note": "Sharp pain"})
    rest = {k: v for k, v in FULL.items() if k not in ("worst_pain", "note", "flag_chest")}
    response = _post(client, "/patient/checkin", rest)
    assert response.status_code == 200  # the urgent guidance again: the red flag stays
    assert "Some answers are still missing" not in _text(response)
    checkin = db.session.scalar(select(CheckIn))
    db.session.refresh(checkin)
    assert checkin.complete and checkin.worst_pain == 7 and checkin.flag_chest is True
    assert checkin.note == "Sharp pain" and checkin.pain_now == 4


def test_the_check_in_form_marks_what_is_still_missing(client, patient):
    _post(client, "/patient/checkin", {"flag_chest": "yes"})
    page = _text(client.get("/patient/checkin"))
    assert 'id="pain_now-error"' in page and "Not answered yet" in page
    assert "Your warning sign is saved" in page and "Nothing was saved" not in page
    home = _text(client.get("/patient/"))
    assert "Finish today's check-in" in home


# Every reader shows the incomplete check-in

@pytest.fixture
def incomplete(make_patient, make_user, login):
    patient = make_patient(performed_at=NOW - timedelta(days=4))
    checkins.save_checkin(patient, {**FULL, "pain_now": "3"}, NOW - timedelta(days=1))
    _partial(patient, flag_neuro="yes")
    login(make_user("clinician"))
    return patient


def test_clinic_patient_page_shows_unknown_answers_as_not_answered(client, incomplete):
    page = _text(client.get(f"/clinic/patients/{incomplete.id}"))
    assert "Incomplete: saved for its red flag" in page and "not answered" in page
    assert "Pain now 3/10 on" in page  # the latest pain given, not the blank after it


def test_visit_summary_and_fhir_and_cohort_take_an_incomplete_checkin(client, incomplete):
    summary = client.get(f"/clinic/patients/{incomplete.id}/summary")
    assert summary.status_code == 200
    bundle = client.get(f"/clinic/patients/{incomplete.id}/fhir.json").get_json()
    responses = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse"]
    assert sorted(r["status"] for r in responses) == ["completed", "in-progress"]
    partial = next(r for r in responses if r["status"] == "in-progress")
    assert [i["linkId"] for i in partial["item"]] == ["flag_neuro"]
    observations = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"]
    assert len(observations) == 1
    assert client.get("/clinic/cohort").status_code == 200


def test_csv_export_leaves_unknown_answers_empty(client, incomplete):
    text = client.get("/clinic/cohort.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    partial = next(r for r in rows if r["complete"] == "no")
    assert partial["pain_now"] == "" and partial["pain_change"] == "" and partial["responder"] == ""
    assert partial["red_flags"] == "flag_neuro"
    assert partial["sleep_disturbed"] == ""


def test_clinic_api_lists_an_incomplete_checkin(client, incomplete, make_user):
    api = Api(client, make_user("clinician"))
    items = api.get(f"/patients/{incomplete.id}/checkins").get_json()["items"]
    assert [i["complete"] for i in items] == [False, True]
    assert items[0]["pain_now"] is None and items[0]["flag_neuro"] is True


def test_patient_pages_show_an_incomplete_checkin(client, make_patient, login):
    patient = make_patient(performed_at=NOW - timedelta(days=4))
    login(patient.user)
    _partial(patient, flag_calf="yes")
    home = _text(client.get("/patient/"))
    assert "Your pain will show here once you answer the pain questions" in home
    history = _text(client.get("/patient/history"))
    assert "Not finished" in history and "not answered" in history
    checkin_id = db.session.scalar(select(CheckIn.id))
    detail = _text(client.get(f"/patient/checkins/{checkin_id}"))
    assert "Some answers of this check-in were not given." in detail


# The migration

def test_existing_checkins_become_complete_with_their_answers_kept(tmp_path):
    """Upgrading a database of the previous version: every check-in is complete, answers as they were."""
    def flask(url, *args):
        return flask_command(tmp_path, url, *args)

    at = NOW.replace(tzinfo=None)
    with fresh_database(tmp_path) as url:
        assert flask(url, "db", "upgrade", "b7c3d9e1f2a4").returncode == 0
        engine = create_engine(url)
        with engine.begin() as conn:
            insert_an_old_patient(conn, at)
            conn.execute(text(
                "INSERT INTO checkins (patient_id, procedure_id, local_date, pain_now, worst_pain,"
                " walking_level, minutes_upright, medication, sleep_disturbed, flag_neuro, flag_chest,"
                " flag_infection, flag_calf, is_72h_check, created_at, updated_at) VALUES (1, 1,"
                " '2026-11-21', 4, 6, 2, 20, 'otc', false, false, true, false, false, false, :at, :at)"),
                {"at": at})
        result = flask(url, "init-db")
        assert result.returncode == 0, result.stderr
        with engine.connect() as conn:
            row = conn.execute(text("SELECT complete, pain_now, flag_chest, flag_neuro FROM checkins")).one()
        engine.dispose()
        assert (bool(row[0]), row[1], bool(row[2]), bool(row[3])) == (True, 4, True, False)
