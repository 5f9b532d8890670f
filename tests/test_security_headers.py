"""Security headers on every page: a strict CSP, no framing or sniffing, HSTS only over HTTPS."""

from recovery.extensions import db
from recovery.security.headers import CSP

from .conftest import _make_app


def _csp(response) -> dict:
    parts = [p.strip().split(" ", 1) for p in response.headers["Content-Security-Policy"].split(";")]
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts}


def test_pages_carry_a_strict_csp_and_the_usual_headers(client, make_user, make_patient, login):
    make_patient()
    login(make_user("clinician"))
    for url in ("/login", "/clinic/", "/clinic/cohort"):
        response = client.get(url)
        assert response.status_code == 200, url
        csp = _csp(response)
        assert csp["script-src"] == "'self'"  # no inline script, no eval, no CDN
        assert csp["default-src"] == "'self'" and csp["frame-ancestors"] == "'none'"
        assert "unsafe-inline" not in csp["script-src"] and "unsafe-eval" not in response.headers[
            "Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "Strict-Transport-Security" not in response.headers  # plain http: no HSTS


def test_session_cookie_is_httponly_and_lax_but_not_secure_over_http(client, make_user, login):
    login(make_user("staff"))
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    assert not cookie.secure


def test_over_https_cookies_are_secure_and_hsts_is_sent(app, _schema, tmp_path, make_user):
    secure_app = _make_app(_schema, tmp_path / "https", BASE_URL="https://recovery.example")
    assert secure_app.config["SESSION_COOKIE_SECURE"] is True
    client = secure_app.test_client()
    response = client.get("/login", base_url="https://localhost")
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
    assert "Secure" in response.headers["Set-Cookie"]  # the CSRF token's session cookie
    assert "HttpOnly" in response.headers["Set-Cookie"] and "SameSite=Lax" in response.headers["Set-Cookie"]
    with secure_app.app_context():
        db.engine.dispose()


def test_csp_allows_what_plotly_needs_and_nothing_inline_for_scripts():
    assert "'unsafe-inline'" in CSP["style-src"]  # plotly positions its SVG with style attributes
    assert "data:" in CSP["img-src"] and "blob:" in CSP["img-src"]  # the "download as png" button
    assert CSP["script-src"] == "'self'"


def test_over_https_plain_http_pages_redirect_but_the_health_check_answers(_schema, tmp_path):
    secure_app = _make_app(_schema, tmp_path / "https", BASE_URL="https://recovery.example", TESTING=False)
    client = secure_app.test_client()
    login = client.get("/login", base_url="http://localhost")
    assert login.status_code == 302 and login.headers["Location"].startswith("https://")
    health = client.get("/healthz", base_url="http://localhost")
    assert health.status_code == 200 and health.get_json() == {"status": "ok"}
    with secure_app.app_context():
        db.engine.dispose()
