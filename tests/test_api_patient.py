"""The patient's API: procedures, today's check-in with the web page's rules and urgent guidance, lists."""

from datetime import datetime

import pytest
from sqlalchemy import select

from recovery.extensions import db
from recovery.models import Alert, CheckIn, CheckInRevision
from recovery.services.guidance import urgent_guidance

from .api_helpers import CHECKIN, Api, row_counts


@pytest.fixture
def patient(make_patient):
    return make_patient()


@pytest.fixture
def api(client, patient):
    return Api(client, patient.user)


def offset_of(text: str):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).utcoffset()


def test_procedures_are_the_patients_own_with_utc_times(api, patient, make_patient):
    make_patient()  # another patient's procedure is not listed
    body = api.get("/me/procedures").get_json()
    assert body["total"] == 1 and body["next"] is None
    item = body["items"][0]
    assert item["id"] == patient.current_procedure.id and item["type"] == "kyphoplasty"
    assert item["levels"] == ["L1"] and item["baseline_pain"] == 8
    assert offset_of(item["performed_at"]).total_seconds() == 0


def test_todays_checkin_is_created_then_updated_keeping_the_earlier_answers(api, patient):
    first = api.put("/me/checkins/today", json=CHECKIN)
    assert first.status_code == 201
    body = first.get_json()
    assert body["created"] is True and body["urgent"] is None and body["checkin"]["pain_now"] == 3
    again = api.put("/me/checkins/today", json={**CHECKIN, "pain_now": 2, "note": "Better today"})
    assert again.status_code == 200 and again.get_json()["created"] is False
    rows = db.session.scalars(select(CheckIn)).all()
    assert len(rows) == 1 and rows[0].pain_now == 2 and rows[0].note == "Better today"
    assert db.session.scalar(select(CheckInRevision)).snapshot["pain_now"] == 3


def test_a_red_flag_returns_the_urgent_pages_guidance_and_raises_an_alert(api, patient, app):
    response = api.put("/me/checkins/today", json={**CHECKIN, "flag_chest": True, "flag_calf": True})
    urgent = response.get_json()["urgent"]
    expected = urgent_guidance(["flag_chest", "flag_calf"])
    assert urgent["action"] == "call_911" and urgent["title"] == "Call 911 now"
    assert urgent["message"] == expected.message and urgent["then"] == expected.then
    assert urgent["phone_day"] == app.config["CLINIC_PHONE_DAY"]
    assert urgent["flag_labels"]["flag_chest"] == "Chest pain or shortness of breath"
    assert {a.detail for a in db.session.scalars(select(Alert))} == {"flag_chest", "flag_calf"}
    # The same words the web page shows.
    web = urgent_guidance(["flag_neuro"])
    clinic = api.put("/me/checkins/today", json={**CHECKIN, "flag_neuro": True}).get_json()["urgent"]
    assert clinic["action"] == "call_911"  # chest pain reported earlier today is never erased
    assert web.action == "call_clinic" and web.title == "Call the clinic now"


@pytest.mark.parametrize("send", [
    {"json": {**CHECKIN, "pain_now": "3"}},  # a string is not a number
    {"json": {**CHECKIN, "pain_now": 3.0}},
    {"json": {**CHECKIN, "sleep_disturbed": "yes"}},  # the form's words are not JSON booleans
    {"json": {**CHECKIN, "pain_now": 11}},  # out of range: the service refuses it
    {"json": {**CHECKIN, "worst_pain": 1}},  # below pain now: the service's rule
    {"json": {**CHECKIN, "extra": 1}},  # unknown field
    {"json": {k: v for k, v in CHECKIN.items() if k != "medication"}},
    {"json": [CHECKIN]},
])
def test_wrong_types_unknown_fields_and_broken_rules_are_422_and_write_nothing(api, send):
    before = row_counts()
    response = api.put("/me/checkins/today", **send)
    body = response.get_json()
    assert response.status_code == 422 and body["code"] == "validation_failed", body
    assert body["errors"] and body["message"]
    assert row_counts() == before


@pytest.mark.parametrize("send, status, code", [
    ({"data": "{not json", "content_type": "application/json"}, 400, "malformed_json"),
    ({"data": '{"pain_now": NaN}', "content_type": "application/json"}, 400, "malformed_json"),
    ({"data": b'{"note": "\\ud800"}', "content_type": "application/json"}, 400, "malformed_json"),
    ({}, 400, "bad_request"),
    ({"data": "pain_now=3", "content_type": "application/x-www-form-urlencoded"}, 415, "unsupported_media_type"),
])
def test_malformed_or_missing_bodies_are_refused_and_write_nothing(api, send, status, code):
    before = row_counts()
    response = api.put("/me/checkins/today", **send)
    assert response.status_code == status and response.get_json()["code"] == code
    assert row_counts() == before


def test_a_discharged_patient_cannot_check_in(api, patient):
    patient.discharged = True
    db.session.commit()
    response = api.put("/me/checkins/today", json=CHECKIN)
    assert response.status_code == 422 and "discharged" in response.get_json()["errors"]["form"]


def test_checkins_are_paged_with_total_and_next(api, patient, app):
    api.put("/me/checkins/today", json=CHECKIN)
    first = api.get("/me/checkins?per_page=1").get_json()
    assert first["total"] == 1 and first["next"] is None and first["items"][0]["pain_now"] == 3
    assert api.get("/me/checkins?page=2").get_json()["items"] == []
    for bad in ("per_page=0", "per_page=101", "page=0", "page=x", "colour=blue"):
        response = api.get(f"/me/checkins?{bad}")
        assert response.status_code == 422 and response.get_json()["code"] == "validation_failed", bad


def test_another_patients_checkin_looks_like_an_unknown_one(api, make_patient, client):
    other = make_patient()
    other_api = Api(client, other.user)
    theirs = other_api.put("/me/checkins/today", json=CHECKIN).get_json()["checkin"]["id"]
    mine = api.put("/me/checkins/today", json=CHECKIN).get_json()["checkin"]["id"]
    assert api.get(f"/me/checkins/{mine}").status_code == 200
    hidden, unknown = api.get(f"/me/checkins/{theirs}"), api.get("/me/checkins/99999")
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.get_json() == unknown.get_json() == {"code": "not_found", "message": "Not found."}


def test_appointments_and_inbox_are_the_patients_own(api, patient, make_patient):
    make_patient()
    appointments = api.get("/me/appointments").get_json()
    assert [a["kind"] for a in appointments["items"]] == ["check_72h"]
    assert appointments["items"][0]["patient_id"] == patient.id
    assert api.get("/me/inbox").get_json() == {"items": [], "page": 1, "per_page": 20, "total": 0, "next": None}


def test_errors_outside_the_operations_are_json_with_stable_codes(api):
    assert api.get("/nothing-here").get_json()["code"] == "not_found"
    response = api.client.delete("/api/v1/me/checkins", headers=api.headers)
    assert response.status_code == 405 and response.get_json()["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]
    assert api.get("/patients").get_json()["code"] == "forbidden"
