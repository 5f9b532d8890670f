"""Bearer-token authentication for the API; the session cookie is never looked at here."""

from flask import g, request

from ..extensions import db
from ..models import utcnow
from ..security.ratelimit import client_address, spend_api
from ..services import api_tokens
from . import bp
from .errors import ApiError, error_response

PUBLIC_ENDPOINTS = {"api.openapi"}


@bp.before_request
def authenticate():
    """Find the caller from `Authorization: Bearer <token>`; 401 for none, unknown, revoked or inactive.

    Every request first counts against its address's limit (a missing or wrong token too, so
    guessing tokens is slowed), then a known token against its own limit, keyed by its digest so
    it holds from any address. Over either: 429 with Retry-After, and nothing written.
    """
    wait = spend_api("address", client_address())
    if wait is not None:
        return too_many_requests(wait)
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(401)
    user = api_tokens.authenticate(secret.strip(), utcnow())
    if user is None:
        raise ApiError(401, "This token is not valid: it is unknown, revoked, or its account is closed.")
    wait = spend_api("token", api_tokens.digest(secret.strip()))
    if wait is not None:
        return too_many_requests(wait)
    db.session.commit()  # the token's last use, if it was noted
    g.api_user = user
    return None


def too_many_requests(wait: int):
    """429 with the seconds to wait; the token's last-use time is not written either."""
    db.session.rollback()
    response = error_response(429)
    response.headers["Retry-After"] = str(wait)
    return response


@bp.errorhandler(ApiError)
def api_error(error: ApiError):
    """Every refusal inside the API, as JSON; nothing of the request is kept."""
    db.session.rollback()
    return error_response(error.status, error.message, error.errors, error.code)
