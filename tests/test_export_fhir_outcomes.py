"""Outcome questionnaires in the patient's FHIR Bundle: each answered one a QuestionnaireResponse
plus an Observation of its score, parsed back with fhir.resources, on the page's download and the API."""

from datetime import timedelta

from fhir.resources.R4B.bundle import Bundle

from recovery.extensions import db
from recovery.services import questionnaires
from recovery.services.fhir import patient_bundle

from .api_helpers import Api
from .conftest import NOW


def _ticks(*numbers) -> dict:
    return {str(n): "yes" for n in numbers}


def _answered(make_patient):
    """Baseline RMDQ 18, month 1 RMDQ 9 (statements 1-9 ticked) and "much better"."""
    patient = make_patient(performed_at=NOW - timedelta(days=30))
    performed = patient.current_procedure.performed_at
    questionnaires.submit(patient, "rmdq", _ticks(*range(1, 19)), performed - timedelta(days=1))
    questionnaires.submit(patient, "rmdq", _ticks(*range(1, 10)), NOW)
    questionnaires.submit(patient, "global_impression", {"change": "much_better"}, NOW)
    db.session.commit()
    return patient


def _outcomes(data: dict):
    """(response, observation or None) for each outcome answer, by the Observation's derivedFrom."""
    bundle = Bundle.model_validate(data)  # parses back: every resource is valid FHIR R4B
    by_url = {e.fullUrl: e.resource for e in bundle.entry}
    responses = {url: r for url, r in by_url.items() if r.get_resource_type() == "QuestionnaireResponse"
                 and r.questionnaire.startswith("urn:recovery:questionnaire:")}
    scores = {o.derivedFrom[0].reference: o for o in by_url.values()
              if o.get_resource_type() == "Observation" and o.code.coding[0].system == "urn:recovery:outcome-score"}
    return [(r, scores.get(url)) for url, r in responses.items()]


def _point(resource) -> str:
    (extension,) = resource.extension
    assert extension.url == "urn:recovery:extension:time-point"
    return extension.valueCoding.code


def test_each_answered_questionnaire_is_a_response_and_a_score_observation(app, make_patient):
    patient = _answered(make_patient)
    pairs = _outcomes(patient_bundle(patient.id, NOW))
    assert [(_point(r), r.questionnaire) for r, _ in pairs] == [
        ("baseline", "urn:recovery:questionnaire:rmdq-24"), ("month1", "urn:recovery:questionnaire:rmdq-24"),
        ("month1", "urn:recovery:questionnaire:global-impression-of-change")]
    (baseline, baseline_score), (month1, month1_score), (impression, impression_score) = pairs
    assert all(r.status == "completed" for r, _ in pairs)
    ticked = {i.linkId: (i.text, i.answer[0].valueBoolean) for i in month1.item}
    assert sorted(ticked, key=int) == [str(n) for n in range(1, 10)]  # unticked statements are left out
    assert ticked["2"] == ("I change position frequently to try and get my back comfortable.", True)
    assert len(baseline.item) == 18
    assert [(o.code.coding[0].code, o.valueQuantity.value, _point(o)) for o in
            (baseline_score, month1_score, impression_score)] == [("rmdq", 18, "baseline"), ("rmdq", 9, "month1"),
                                                                   ("global_impression", 2, "month1")]
    assert month1_score.code.text == "Roland-Morris Disability Questionnaire (RMDQ-24) score"
    assert month1_score.effectiveDateTime.isoformat() == NOW.astimezone(month1_score.effectiveDateTime.tzinfo
                                                                        ).isoformat()
    answer = impression.item[0].answer[0].valueCoding
    assert (answer.system, answer.code, answer.display) == ("urn:recovery:global-impression", "much_better",
                                                            "Much better")
    assert not any(c.system == "http://loinc.org" for o in (baseline_score, month1_score) for c in o.code.coding)


def test_a_patient_without_outcome_answers_has_none_in_the_bundle(app, make_patient):
    patient = make_patient()
    assert _outcomes(patient_bundle(patient.id, NOW)) == []


def test_the_api_serves_the_same_outcome_resources(app, client, make_patient, make_user):
    patient = _answered(make_patient)
    response = Api(client, make_user("clinician")).get(f"/patients/{patient.id}/fhir")
    assert response.status_code == 200
    pairs = _outcomes(response.get_json())
    assert [(o.code.coding[0].code, o.valueQuantity.value) for _, o in pairs] == [
        ("rmdq", 18), ("rmdq", 9), ("global_impression", 2)]
