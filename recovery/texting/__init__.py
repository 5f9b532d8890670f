"""Twilio's webhooks: texts patients send, and status reports on the texts we sent.

No session and no CSRF token: Twilio signs each request (X-Twilio-Signature) with the account's
auth token over the public URL (BASE_URL) and every posted parameter; a request without a valid
signature gets 403, is logged, and writes nothing.
"""

from flask import Blueprint

from ..extensions import csrf

bp = Blueprint("sms", __name__, url_prefix="/sms")
csrf.exempt(bp)  # Twilio's signature stands in for the token; there is no session to forge

from . import views  # noqa: E402, F401  (its routes are added to bp)
