"""FHIR export: a known patient's Bundle parsed back with fhir.resources, codes and values checked."""

from datetime import timedelta

from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select

from recovery.extensions import db
from recovery.models import Alert, Appointment, AuditEvent
from recovery.services import alerts
from recovery.services.checkins import save_checkin
from recovery.services.fhir import patient_bundle
from tests.answers import checkin_answers

from .conftest import NOW, client_as

ANSWERS = checkin_answers(without=('pain_now',), worst_pain=7)
PROCEDURE = NOW - timedelta(days=10)  # 09:00 Chicago (CST, -06:00)


def _known_patient(make_patient, make_user):
    """Kyphoplasty at T12 and L1, baseline 8; pain 6 on day 1, 3 on day 3 (with a red flag)."""
    patient = make_patient(performed_at=PROCEDURE, recorded_at=PROCEDURE + timedelta(hours=1),
                           name="Ada Lovelace", email="ada@example.org")
    procedure = patient.current_procedure
    procedure.levels = "T12,L1"
    save_checkin(patient, {**ANSWERS, "pain_now": 6, "note": "=HYPERLINK(\"x\")"},
                 PROCEDURE + timedelta(days=1, hours=2))
    save_checkin(patient, {**ANSWERS, "pain_now": 3, "flag_calf": "yes"}, PROCEDURE + timedelta(days=3))
    visit = Appointment(patient_id=patient.id, procedure_id=procedure.id, kind="follow_up",
                        scheduled_for=NOW + timedelta(days=14), updated_at=NOW)
    db.session.add(visit)
    db.session.commit()
    return patient


def _resources(bundle: dict, kind: str) -> list:
    return [e.resource for e in Bundle.model_validate(bundle).entry if e.resource.get_resource_type() == kind]


def test_bundle_carries_patient_procedure_pain_scores_and_answers(app, make_patient, make_user):
    patient = _known_patient(make_patient, make_user)
    data = patient_bundle(patient.id, NOW)
    bundle = Bundle.model_validate(data)  # parses back: every resource is valid FHIR R4B
    assert bundle.type == "collection"
    urls = [e.fullUrl for e in bundle.entry]
    assert len(urls) == len(set(urls))

    (fhir_patient,) = _resources(data, "Patient")
    assert fhir_patient.identifier[0].value == patient.record_number
    assert fhir_patient.name[0].text == "Ada Lovelace"
    assert fhir_patient.birthDate.isoformat() == "1948-03-02"

    (procedure,) = _resources(data, "Procedure")
    codes = [(c.system, c.code) for c in procedure.code.coding]
    # First level T12 is thoracic: kyphoplasty 22513, plus the add-on for one more level.
    assert codes == [("http://www.ama-assn.org/go/cpt", "22513"), ("http://www.ama-assn.org/go/cpt", "22515")]
    assert [s.text for s in procedure.bodySite] == ["Vertebra T12", "Vertebra L1"]
    assert procedure.performedDateTime.isoformat() == "2026-11-10T09:00:00-06:00"

    observations = _resources(data, "Observation")
    assert [o.valueInteger for o in observations] == [6, 3]
    for o in observations:
        assert (o.code.coding[0].system, o.code.coding[0].code) == ("http://loinc.org", "72514-3")
        assert o.effectiveDateTime.utcoffset() == timedelta(hours=-6)
    assert observations[0].effectiveDateTime.isoformat() == "2026-11-11T11:00:00-06:00"

    (questionnaire,) = _resources(data, "Questionnaire")
    responses = _resources(data, "QuestionnaireResponse")
    assert len(responses) == 2
    assert all(r.questionnaire == questionnaire.url for r in responses)
    answers = {i.linkId: i.answer[0] for i in responses[1].item}
    assert answers["pain_now"].valueInteger == 3
    assert answers["worst_pain"].valueInteger == 7
    assert answers["walking_level"].valueCoding.code == "2"
    assert answers["flag_calf"].valueBoolean is True and answers["flag_chest"].valueBoolean is False
    first = {i.linkId: i.answer[0] for i in responses[0].item}
    assert first["note"].valueString == '=HYPERLINK("x")'
    linked = {i.linkId for i in questionnaire.item}
    assert set(answers) <= linked


def test_bundle_lists_appointments_and_only_open_alerts_as_flags(app, make_patient, make_user):
    patient = _known_patient(make_patient, make_user)
    clinician = make_user("clinician")
    data = patient_bundle(patient.id, NOW)
    appointments = _resources(data, "Appointment")
    kinds = sorted((a.serviceType[0].coding[0].code, a.status) for a in appointments)
    assert kinds == [("check_72h", "fulfilled"), ("follow_up", "booked")]
    follow_up = next(a for a in appointments if a.serviceType[0].coding[0].code == "follow_up")
    assert follow_up.start.isoformat() == "2026-12-04T09:00:00-06:00"
    (flag,) = _resources(data, "Flag")
    assert flag.status == "active" and flag.code.coding[0].code == "red_flag"
    assert "calf" in flag.code.text.lower()
    alert = db.session.scalar(select(Alert).where(Alert.patient_id == patient.id))
    alerts.acknowledge(alert.id, clinician, "Called; scan booked.", NOW)
    db.session.commit()
    assert _resources(patient_bundle(patient.id, NOW), "Flag") == []


def test_clinician_downloads_the_bundle_and_the_download_is_audited(app, make_patient, make_user):
    patient = _known_patient(make_patient, make_user)
    clinician = make_user("clinician")
    client = client_as(app, {"c": clinician}, "c")
    response = client.get(f"/clinic/patients/{patient.id}/fhir.json")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    assert "attachment" in response.headers["Content-Disposition"]
    Bundle.model_validate(response.get_json())
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "patient.export_fhir")))
    assert [(e.actor_id, e.patient_id) for e in events] == [(clinician.id, patient.id)]
    page = client.get(f"/clinic/patients/{patient.id}").get_data(as_text=True)
    assert f"/clinic/patients/{patient.id}/fhir.json" in page


def test_a_patient_without_procedure_exports_patient_and_questionnaire_only(app, make_patient):
    patient = make_patient(procedure=False)
    data = patient_bundle(patient.id, NOW)
    kinds = sorted(e.resource.get_resource_type() for e in Bundle.model_validate(data).entry)
    assert kinds == ["Patient", "Questionnaire"]
