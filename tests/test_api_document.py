"""The OpenAPI document is written from the models that validate requests, so the two cannot drift."""

from pydantic.json_schema import models_json_schema

from recovery.api import schemas, spec
from recovery.api.errors import ALL_CODES
from recovery.api.operations import OPERATIONS


def test_the_document_is_public_and_describes_bearer_tokens_and_errors(client):
    response = client.get("/api/v1/openapi.json")
    doc = response.get_json()
    assert response.status_code == 200 and doc["openapi"].startswith("3.1")
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": "A personal token from /account/tokens."}
    assert doc["security"] == [{"bearerAuth": []}]
    assert doc["paths"]["/api/v1/openapi.json"]["get"]["security"] == []
    error = doc["components"]["schemas"]["Error"]
    assert error["properties"]["code"]["enum"] == list(ALL_CODES)


def test_request_schemas_are_the_validating_models_own():
    doc = spec.document()
    _, defs = models_json_schema([(schemas.CheckInBody, "validation"), (schemas.AppointmentBody, "validation")],
                                 ref_template=spec.REF)
    for name in ("CheckInBody", "AppointmentBody"):
        assert doc["components"]["schemas"][name] == defs["$defs"][name]
    body = doc["components"]["schemas"]["CheckInBody"]
    assert body["additionalProperties"] is False
    assert body["properties"]["pain_now"]["maximum"] == 10  # the service's own range


def test_every_operation_is_in_the_document_with_its_errors():
    doc = spec.document()
    for op in OPERATIONS:
        path = "/api/v1" + spec.PARAM.sub(r"{\2}", op.rule)
        responses = doc["paths"][path][op.method.lower()]["responses"]
        if not op.public:
            assert {"401", "403"} <= set(responses), path
        if op.body is not None:
            assert {"400", "415", "422"} <= set(responses), path


def test_a_nul_in_the_query_is_a_documented_400_on_every_operation(client, make_patient):
    # Found by schemathesis on PostgreSQL: the NUL guard answered 400 where the document promised none.
    from .api_helpers import bearer, token_for

    patient = make_patient()
    response = client.get("/api/v1/me/procedures?note=a%00b", headers=bearer(token_for(patient.user)))
    assert response.status_code == 400 and response.get_json()["code"] == "bad_request"
    assert "NUL" in response.get_json()["message"]
    document = client.get("/api/v1/openapi.json").get_json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert "400" in operation["responses"], f"{method.upper()} {path}"
