"""How an API operation is declared once: its route, roles, request and response models.

The same declaration registers the Flask view, checks the caller's role, validates the body
and query with their pydantic models, and feeds the OpenAPI document (spec.py).
"""

import inspect
import json
from dataclasses import dataclass, field
from functools import wraps

from flask import g, jsonify, request, url_for
from pydantic import BaseModel
from pydantic import ValidationError as SchemaError

from ..services.errors import NotFound, ValidationError
from . import bp
from .errors import MALFORMED_JSON, ApiError
from .schemas import EmptyBody, Page


@dataclass
class Operation:
    """One method on one route, as the document describes it."""

    rule: str
    method: str
    endpoint: str
    roles: tuple[str, ...]
    summary: str
    description: str
    response: type[BaseModel] | None
    status: tuple[int, ...]
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    errors: tuple[int, ...] = field(default_factory=tuple)
    public: bool = False


OPERATIONS: list[Operation] = []


def operation(rule: str, method: str, *, roles=(), response=None, status=(200,), body=None, query=None,
              errors=(), public=False, rescue=None):
    """Register `view(user, **path, body=..., query=...)` as an API operation; it returns a model.

    `rescue(user, data, errors)`, when given, is asked before a body that fails its schema is
    refused (422): it may answer instead (a red flag is saved even with other answers missing),
    or return None to let the 422 stand."""

    def decorator(view):
        summary, _, description = inspect.cleandoc(view.__doc__ or "").partition("\n")
        op = Operation(rule, method, view.__name__, tuple(roles), summary.strip(), description.strip(),
                       response, tuple(status), body, query, tuple(errors), public)
        OPERATIONS.append(op)

        @wraps(view)
        def wrapped(**path):
            user = getattr(g, "api_user", None)
            if not public and user.role not in roles:
                raise ApiError(403)
            kwargs = dict(path)
            if query is not None:
                kwargs["query"] = parse_query(query)
            try:
                result = _call(view, user, kwargs, body, rescue)
            except NotFound:  # missing, or not this caller's to see: the two look the same
                raise ApiError(404) from None
            except ValidationError as error:  # the service's own checks: nothing was written
                raise ApiError(422, errors=error.errors) from None
            code = status[0]
            if isinstance(result, tuple):
                result, code = result
            if isinstance(result, BaseModel):
                result = result.model_dump(mode="json")
            return jsonify(result), code

        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapped, methods=[method])
        return view

    return decorator


def _call(view, user, kwargs: dict, body, rescue):
    """The view's answer, given its parsed body; a body its schema refuses goes to `rescue` first."""
    if body is None:
        return view(user, **kwargs)
    try:
        parsed = parse_body(body)
    except ApiError as error:
        answer = None
        if rescue is not None and error.data is not None:
            answer = rescue(user, error.data, error.errors or {})
        if answer is None:
            raise
        return answer
    return view(user, **kwargs, body=parsed)


def _field_errors(error: SchemaError) -> dict[str, str]:
    errors = {}
    for item in error.errors():
        name = ".".join(str(part) for part in item["loc"]) or "body"
        message = "Unknown field." if item["type"] == "extra_forbidden" else item["msg"]
        errors.setdefault(name, message)
    return errors


def parse_query(model: type[BaseModel]) -> BaseModel:
    """The query string as `model`; 422 naming each bad parameter."""
    try:
        return model.model_validate(request.args.to_dict())
    except SchemaError as error:
        raise ApiError(422, errors=_field_errors(error)) from None


def parse_body(model: type[BaseModel]) -> BaseModel:
    """The JSON body as `model`: 415 if not JSON, 400 if malformed, 422 for wrong types or unknown fields."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        if model is EmptyBody:
            return model()
        raise ApiError(400, "This operation needs a JSON object as its body.")
    if request.mimetype != "application/json":
        raise ApiError(415)
    try:
        data = json.loads(raw, parse_constant=_not_json)  # NaN and Infinity are not JSON
        # A lone surrogate decodes but cannot be stored; treat it as the malformed JSON it is.
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except (ValueError, UnicodeError, RecursionError):
        raise ApiError(400, "The body is not valid JSON.", code=MALFORMED_JSON) from None
    if not isinstance(data, dict):
        raise ApiError(422, "The body must be a JSON object.", errors={"body": "Expected an object."})
    try:
        return model.model_validate_json(raw)
    except SchemaError as error:
        if any(item["type"] == "json_invalid" for item in error.errors()):
            raise ApiError(400, "The body is not valid JSON.", code=MALFORMED_JSON) from None
        raise ApiError(422, errors=_field_errors(error), data=data) from None


def _not_json(name):
    raise ValueError(f"{name} is not JSON")


def paginate(items: list, query, item_model: type[BaseModel], present) -> Page:
    """One page of `items`, each shown by `present`, with the total and the next page's URL."""
    start = (query.page - 1) * query.per_page
    chunk = items[start:start + query.per_page]
    following = None
    if start + query.per_page < len(items):
        args = {**request.args.to_dict(), "page": query.page + 1, "per_page": query.per_page}
        following = url_for(request.endpoint, **(request.view_args or {}), **args)
    return Page[item_model](
        items=[present(item) for item in chunk], page=query.page, per_page=query.per_page,
        total=len(items), next=following,
    )
