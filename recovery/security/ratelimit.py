"""Per-IP limits on sign-in and password-reset requests, and the JSON API's limits (Flask-Limiter,
one limiter per app).

Counts live in memory by default; set RATELIMIT_STORAGE_URI (e.g. redis://…) when several
processes serve the app, so they share one count. The API's two limits (API_RATE_LIMIT per token,
API_RATE_LIMIT_PER_ADDRESS per client address) use the same storage; recovery/api/auth.py spends
them, in that order: the address first (before the token is looked at), then the token.
"""

import math
import time

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from ..config import check_rate_limit

LIMITED_VIEWS = ("auth.login", "auth.forgot_password", "auth.start")
WEBHOOK_VIEWS = ("sms.inbound", "sms.status")  # Twilio's: SMS_WEBHOOK_RATE_LIMIT per address
# The API's limits: the kind of key -> its config key.
API_LIMITS = {"address": "API_RATE_LIMIT_PER_ADDRESS", "token": "API_RATE_LIMIT"}


def init_app(app: Flask) -> None:
    """Wrap the sign-in and reset-request views with the LOGIN_RATE_LIMIT for POSTs."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter = Limiter(get_remote_address, app=app, default_limits=[], headers_enabled=True)
    limits = ((LIMITED_VIEWS, "LOGIN_RATE_LIMIT"), (WEBHOOK_VIEWS, "SMS_WEBHOOK_RATE_LIMIT"))
    for endpoints, setting in limits:
        for endpoint in endpoints:
            view = app.view_functions.get(endpoint)
            if view is not None:
                app.view_functions[endpoint] = limiter.limit(
                    lambda setting=setting: app.config[setting], methods=["POST"]
                )(view)
    app.extensions["recovery_limiter"] = limiter
    app.extensions["recovery_api_limits"] = {
        kind: check_rate_limit(key, app.config[key], "") for kind, key in API_LIMITS.items()
    }


def spend_api(kind: str, key: str) -> int | None:
    """Count one API request against the `kind` ("address" or "token") limit of `key`.

    None while within the limit; once over it, the whole seconds until its window starts again
    (for Retry-After). The request that is refused is counted too, like Flask-Limiter's own.
    """
    app = current_app
    limiter = app.extensions["recovery_limiter"]
    if not limiter.enabled:
        return None
    limit = app.extensions["recovery_api_limits"][kind]
    identity = ("api", kind, key)
    if limiter.limiter.hit(limit, *identity):
        return None
    reset_at, _ = limiter.limiter.get_window_stats(limit, *identity)
    return max(1, math.ceil(reset_at - time.time()))


def client_address() -> str:
    """The client's address as the limits see it (after TRUSTED_PROXIES)."""
    return get_remote_address() or "unknown"
