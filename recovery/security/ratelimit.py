"""Per-IP limits on sign-in and password-reset requests (Flask-Limiter, one limiter per app).

Counts live in memory by default; set RATELIMIT_STORAGE_URI (e.g. redis://…) when several
processes serve the app, so they share one count.
"""

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

LIMITED_VIEWS = ("auth.login", "auth.forgot_password")


def init_app(app: Flask) -> None:
    """Wrap the sign-in and reset-request views with the LOGIN_RATE_LIMIT for POSTs."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter = Limiter(get_remote_address, app=app, default_limits=[], headers_enabled=True)
    for endpoint in LIMITED_VIEWS:
        view = app.view_functions.get(endpoint)
        if view is not None:
            app.view_functions[endpoint] = limiter.limit(
                lambda: app.config["LOGIN_RATE_LIMIT"], methods=["POST"]
            )(view)
    app.extensions["recovery_limiter"] = limiter
