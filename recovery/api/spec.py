"""The OpenAPI 3.1 document, written from the operations and the pydantic models that validate them."""

import re
from functools import cache

from pydantic.json_schema import models_json_schema

from . import schemas
from .errors import MESSAGES
from .operations import OPERATIONS, operation

TITLE = "Recovery API"
VERSION = "1.0.0"
DESCRIPTION = """\
JSON API of Recovery. Authenticate with a personal token (made at /account/tokens) sent as
`Authorization: Bearer <token>`; the session cookie is ignored. Each role may use the operations
tagged with it, as on the web pages; others get 403. Lists are paged with `page` and `per_page`
(at most 100) and carry `total` and the URL of the `next` page. Every time is ISO-8601 in UTC
with its offset (`Z`); `local_date` is the patient's own calendar day. Errors are JSON objects
with a stable `code` and a human `message` (and `errors` per field for `validation_failed`);
a request that is refused writes nothing. A body over 64 KiB (the server's MAX_CONTENT_LENGTH)
is refused with 413 `content_too_large` before it is read. Requests are limited per token and per
client address (300 and 600 a minute by default); over a limit the answer is 429 `rate_limited`
with `Retry-After` in seconds.
"""
REF = "#/components/schemas/{model}"
PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _models() -> list:
    pairs = {(schemas.Error, "serialization")}
    for op in OPERATIONS:
        if op.body is not None:
            pairs.add((op.body, "validation"))
        if op.response is not None:
            pairs.add((op.response, "serialization"))
    return sorted(pairs, key=lambda pair: pair[0].__name__)


def _ref(refs, model, mode="serialization") -> dict:
    if model is None:  # this document itself
        return {"type": "object"}
    return refs[(model, mode)]


def _non_null(schema: dict) -> dict:
    """A query parameter is absent or a value: drop the `null` branch pydantic writes for optionals."""
    options = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    if len(options) == 1:
        merged = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
        return {**options[0], **merged}
    return {k: v for k, v in schema.items() if k != "default" or v is not None}


def _parameters(op) -> list[dict]:
    params = []
    for kind, name in PARAM.findall(op.rule):
        schema = {"type": "string"}
        if kind == "int":
            schema = {"type": "integer", "minimum": 1, "maximum": schemas.MAX_ID}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    if op.query is not None:
        query = op.query.model_json_schema()
        for name, schema in query["properties"].items():
            params.append({"name": name, "in": "query", "required": name in query.get("required", []),
                           "schema": _non_null(schema), "description": schema.get("description", "")})
    return params


def _error(refs, status: int) -> dict:
    schema = _ref(refs, schemas.Error)
    return {"description": MESSAGES[status], "content": {"application/json": {"schema": schema}}}


def _operation(op, refs) -> dict:
    roles = op.roles if not op.public else ("public",)
    doc = {
        "operationId": op.endpoint,
        "summary": op.summary,
        "tags": list(roles),
        "parameters": _parameters(op),
        "responses": {},
    }
    if op.description:
        doc["description"] = op.description
    for status in op.status:
        doc["responses"][str(status)] = {
            "description": "OK" if status == 200 else "Created",
            "content": {"application/json": {"schema": _ref(refs, op.response)}},
        }
    # 400 on every operation: a NUL character anywhere in the path or query is refused before any
    # view runs (recovery/security/inputs.py), whatever the operation declares.
    # 413 likewise: a body over MAX_CONTENT_LENGTH is refused before any view (inputs.py too).
    codes = set(op.errors) | {400, 413, 429}
    if not op.public:
        codes |= {401, 403}
    if PARAM.search(op.rule):
        codes.add(404)  # an unknown id, or one the caller may not see
    if op.query is not None:
        codes.add(422)
    if op.body is not None:
        codes |= {400, 415, 422}
        doc["requestBody"] = {
            "required": op.body is not schemas.EmptyBody,
            "content": {"application/json": {"schema": _ref(refs, op.body, "validation")}},
        }
    for status in sorted(codes):
        doc["responses"][str(status)] = _error(refs, status)
    if op.public:
        doc["security"] = []
    return doc


@cache
def document() -> dict:
    """The whole document (built once: it depends only on the code)."""
    refs, defs = models_json_schema(_models(), ref_template=REF)
    paths: dict = {}
    for op in OPERATIONS:
        path = "/api/v1" + PARAM.sub(r"{\2}", op.rule)
        paths.setdefault(path, {})[op.method.lower()] = _operation(op, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": VERSION, "description": DESCRIPTION},
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "A personal token from /account/tokens."}},
        },
        "security": [{"bearerAuth": []}],
    }


@operation("/openapi.json", "GET", public=True)
def openapi(user):
    """This document."""
    return document()
