"""Schemathesis over the whole API document, as each role: no 500s, every response as documented.

Requests go to the WSGI app directly (no server), each with its own app context as in production.
The shared hypothesis profile (tests/fuzzing.py) sets how many examples each operation gets.
The document is the one the app serves (`spec.document()`, built from the code alone), loaded
at import because schemathesis' lazy fixture loader does not work with this pytest.
"""

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from recovery.api import spec

from . import fuzzing  # noqa: F401  (loads the shared hypothesis profile)
from .conftest import api_tokens_for

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


class FreshContext:
    """The app as a WSGI callable that gives each request its own app context and database session."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        with self.app.app_context():
            return list(self.app(environ, start_response))


@pytest.fixture
def tokens(world):
    users, _ = world
    return api_tokens_for(users)


schema = schemathesis.openapi.from_dict(spec.document())


def _run(case, app, tokens, actor):
    # identity: schemathesis's WSGI transport reads the body as sent and does not decompress it
    # (the app compresses answers for clients that ask; tests/test_static_files.py covers that).
    headers = {"Authorization": f"Bearer {tokens[actor]}", "Accept-Encoding": "identity"}
    case.call_and_validate(app=FreshContext(app), headers=headers, checks=CHECKS)


def test_the_served_document_is_the_one_tested(client):
    assert client.get("/api/v1/openapi.json").get_json() == spec.document()


@schema.include(tag="patient").parametrize()
def test_patient_operations_as_documented(case, app, tokens):
    _run(case, app, tokens, "patient_a")


@schema.include(tag="clinician").parametrize()
def test_clinician_operations_as_documented(case, app, tokens):
    _run(case, app, tokens, "clinician")


@schema.include(tag="staff").parametrize()
def test_staff_operations_as_documented(case, app, tokens):
    _run(case, app, tokens, "staff")


@schema.include(tag="public").parametrize()
def test_public_operations_as_documented(case, app, tokens):
    _run(case, app, tokens, "patient_b")
