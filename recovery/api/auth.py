"""Bearer-token authentication for the API; the session cookie is never looked at here."""

from flask import g, request

from ..extensions import db
from ..models import utcnow
from ..services import api_tokens
from .blueprint import bp
from .errors import ApiError, error_response

PUBLIC_ENDPOINTS = {"api.openapi"}


@bp.before_request
def authenticate():
    """Find the caller from `Authorization: Bearer <token>`; 401 for none, unknown, revoked or inactive."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(401)
    user = api_tokens.authenticate(secret.strip(), utcnow())
    if user is None:
        raise ApiError(401, "This token is not valid: it is unknown, revoked, or its account is closed.")
    db.session.commit()  # the token's last use, if it was noted
    g.api_user = user
    return None


@bp.errorhandler(ApiError)
def api_error(error: ApiError):
    """Every refusal inside the API, as JSON; nothing of the request is kept."""
    db.session.rollback()
    return error_response(error.status, error.message, error.errors, error.code)
