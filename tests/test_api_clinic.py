"""The clinician's API: the patient list with its numbers, a patient's check-ins and alerts (audited), acknowledging."""

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select

from recovery.extensions import db
from recovery.models import Alert, AuditEvent, utcnow
from recovery.services import clinic
from recovery.services.checkins import save_checkin

from .api_helpers import CHECKIN, Api, row_counts


@pytest.fixture
def clinician(make_user):
    return make_user("clinician", name="Dr Ada Okafor")


@pytest.fixture
def api(client, clinician):
    return Api(client, clinician)


@pytest.fixture
def flagged(make_patient):
    """A patient whose check-in today reported new leg weakness (an urgent alert)."""
    patient = make_patient(name="Ruth Ellis")
    save_checkin(patient, {**CHECKIN, "pain_now": 7, "worst_pain": 8, "flag_neuro": True}, utcnow())
    db.session.commit()
    return patient


def test_the_patient_list_has_the_clinic_lists_numbers_in_its_order(api, flagged, make_patient):
    calm = make_patient(name="Ann Calm")
    save_checkin(calm, {**CHECKIN, "pain_now": 2}, utcnow())
    db.session.commit()
    body = api.get("/patients").get_json()
    expected = clinic.patient_summaries(utcnow())
    assert [p["id"] for p in body["items"]] == [s.id for s in expected] == [flagged.id, calm.id]
    first = body["items"][0]
    assert first["name"] == "Ruth Ellis" and first["open_alerts"] == 1 and first["urgent"] is True
    assert first["pain_now"] == 7 and first["baseline_pain"] == 8 and first["change"] == -1
    assert first["responder"] is False and first["status"] == "not_responding"
    assert first["days_since_procedure"] == expected[0].days_since_procedure
    assert body["items"][1]["responder"] is True


def test_discharged_patients_are_listed_only_when_asked(api, flagged, make_patient):
    gone = make_patient(discharged=True)
    assert gone.id not in [p["id"] for p in api.get("/patients").get_json()["items"]]
    assert gone.id in [p["id"] for p in api.get("/patients?discharged=true").get_json()["items"]]


def test_the_list_is_paged(api, make_patient):
    for _ in range(3):
        make_patient()
    first = api.get("/patients?per_page=2").get_json()
    assert first["total"] == 3 and len(first["items"]) == 2
    second = api.client.get(first["next"], headers=api.headers).get_json()
    assert second["page"] == 2 and len(second["items"]) == 1 and second["next"] is None


def test_reading_a_patients_checkins_and_alerts_is_audited_like_the_page(api, clinician, flagged):
    checkins = api.get(f"/patients/{flagged.id}/checkins").get_json()
    assert checkins["total"] == 1 and checkins["items"][0]["red_flags"] == ["flag_neuro"]
    alerts = api.get(f"/patients/{flagged.id}/alerts").get_json()
    item = alerts["items"][0]
    assert item["kind"] == "red_flag" and item["severity"] == "urgent" and item["acknowledged_at"] is None
    assert "weakness" in item["description"]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "patient.view")).all()
    assert [(e.actor_id, e.patient_id) for e in events] == [(clinician.id, flagged.id)] * 2


def test_an_unknown_patient_is_404_and_not_audited(api):
    assert api.get("/patients/424242/checkins").status_code == 404
    assert api.get("/patients/4242424242424/alerts").status_code == 404  # beyond any id
    assert db.session.scalar(select(AuditEvent)) is None


def test_acknowledging_an_alert_closes_it_with_the_note_once(api, clinician, flagged):
    alert = db.session.scalar(select(Alert))
    response = api.post(f"/alerts/{alert.id}/acknowledge", json={"note": "Phoned; seen in clinic today."})
    body = response.get_json()
    assert response.status_code == 200 and body["acknowledged_by"] == "Dr Ada Okafor"
    assert body["note"] == "Phoned; seen in clinic today." and body["acknowledged_at"].endswith("Z")
    db.session.refresh(alert)
    assert alert.acknowledged_by_id == clinician.id
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "alert.acknowledge"))
    before = row_counts()
    again = api.post(f"/alerts/{alert.id}/acknowledge", json={"note": "Again"})
    assert again.status_code == 409 and again.get_json()["code"] == "conflict"
    message = again.get_json()["message"]
    assert "already acknowledged by Dr Ada Okafor at " in message and "added to it as a follow-up" in message
    db.session.refresh(alert)  # the first note stands; the second is kept beside it, not lost
    assert alert.note == "Phoned; seen in clinic today."
    assert [(n.author_id, n.note) for n in alert.follow_ups] == [(clinician.id, "Again")]
    assert row_counts() == {**before, "alert_notes": 1, "audit_events": before["audit_events"] + 1}


@pytest.mark.parametrize("body, status", [
    ({"note": "   "}, 422), ({"note": "x" * 1001}, 422), ({"note": 5}, 422), ({}, 422),
    ({"note": "ok", "severity": "low"}, 422), (None, 400),
])
def test_a_bad_acknowledgement_writes_nothing(api, flagged, body, status):
    alert = db.session.scalar(select(Alert))
    before = row_counts()
    response = api.post(f"/alerts/{alert.id}/acknowledge", json=body)
    assert response.status_code == status and response.get_json()["code"] in ("validation_failed", "bad_request")
    assert row_counts() == before


def test_the_fhir_bundle_comes_through_the_api_parsed_and_audited(api, clinician, flagged):
    response = api.get(f"/patients/{flagged.id}/fhir")
    assert response.status_code == 200
    bundle = Bundle.model_validate(response.get_json())
    kinds = [entry.resource.get_resource_type() for entry in bundle.entry]
    assert kinds.count("Patient") == 1 and "Flag" in kinds  # the leg-weakness alert is open
    pain = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "Observation"]
    assert [(o.code.coding[0].code, o.valueInteger) for o in pain] == [("72514-3", 7)]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "patient.export_fhir")).all()
    assert [(e.actor_id, e.patient_id) for e in events] == [(clinician.id, flagged.id)]


def test_an_unknown_patients_bundle_is_404_and_not_audited(api):
    assert api.get("/patients/999999/fhir").status_code == 404
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "patient.export_fhir")) is None
