"""Response headers: a strict Content-Security-Policy, no sniffing or framing, HSTS over HTTPS,
and `Cache-Control: no-store` on everything but static files."""

from flask import Flask, request
from flask_talisman import Talisman

from . import serves_https

# No inline script anywhere: charts are JSON data blocks drawn by /static/charts.js. plotly sets
# inline style attributes and draws its download images from data: and blob: URLs.
# Files that hold no personal data and may be cached (they set their own Cache-Control).
CACHEABLE_ENDPOINTS = frozenset({"static", "vendor.plotly_js"})
CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def init_app(app: Flask) -> None:
    """Send the security headers on every response; redirect to HTTPS only when served over it."""
    https = serves_https(app.config)
    app.config["SESSION_COOKIE_SECURE"] = app.config.get("SESSION_COOKIE_SECURE") or https
    Talisman(
        app,
        force_https=https and not app.testing,
        strict_transport_security=https,  # Talisman only sends it on requests that came over HTTPS
        strict_transport_security_max_age=365 * 24 * 3600,
        content_security_policy=CSP,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
        x_content_type_options=True,
    )
    # Load balancers and uptime checks probe /healthz over plain HTTP inside the network; a
    # redirect would read as "down". It shows no personal data.
    app.view_functions["auth.healthz"].talisman_view_options = {"force_https": False}

    @app.after_request
    def _no_store(response):
        """Pages, exports and API answers carry health data: no browser, proxy or shared cache may
        keep a copy (a shared computer's back button, a proxy's disk). Only static files are cached."""
        if request.endpoint not in CACHEABLE_ENDPOINTS:
            response.headers["Cache-Control"] = "no-store"
        return response
