"""The Host header is never trusted for links or redirects, and X-Forwarded-* only from proxies."""

import re

import pytest
from sqlalchemy import select

from recovery.config import ConfigError
from recovery.extensions import db
from recovery.models import AuditEvent

from .conftest import TEST_PASSWORD, FreshContextClient, _make_app


@pytest.fixture
def make_app(app, _schema, tmp_path):  # `app` holds the context the factories use, and cleans up
    made = []

    def make(**config):
        made_app = _make_app(_schema, tmp_path / f"app{len(made)}", **config)
        made_app.test_client_class = FreshContextClient
        made.append(made_app)
        return made_app

    yield make
    for made_app in made:
        with made_app.app_context():
            db.engine.dispose()


def _token(client, url, **request) -> str:
    html = client.get(url, **request).get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def _sign_in(client, user, **request):
    token = _token(client, "/login", **request)
    response = client.post("/login", data={"login": user.email, "password": TEST_PASSWORD,
                                           "csrf_token": token}, **request)
    assert response.status_code == 302


def test_a_request_naming_an_untrusted_host_gets_400_and_no_page(make_app):
    app = make_app(BASE_URL="https://recovery.clinic.example", TESTING=False)  # HTTPS redirects on
    client = app.test_client()
    for url in ("/login", "/clinic/", "/healthz", "/no-such-page"):
        response = client.get(url, base_url="http://evil.example")
        assert response.status_code == 400, url
        assert "Location" not in response.headers and "Set-Cookie" not in response.headers
        assert "evil.example" not in response.get_data(as_text=True)
    # BASE_URL's host and the development names are served.
    assert client.get("/healthz", base_url="http://recovery.clinic.example").status_code == 200
    assert client.get("/healthz", base_url="http://127.0.0.1:8000").status_code == 200


def test_the_login_redirect_never_names_an_untrusted_host(make_app):
    app = make_app(BASE_URL="https://recovery.clinic.example", TESTING=False)
    client = app.test_client()
    to_https = client.get("/login", base_url="http://recovery.clinic.example")
    assert to_https.status_code == 302
    assert to_https.headers["Location"] == "https://recovery.clinic.example/login"
    to_login = client.get("/clinic/", base_url="https://recovery.clinic.example",
                          headers={"X-Forwarded-Host": "evil.example"})
    assert to_login.status_code == 302 and "evil" not in to_login.headers["Location"]
    assert to_login.headers["Location"].startswith("/login")
    assert client.get("/clinic/", base_url="https://evil.example").status_code == 400


def test_staff_see_links_on_base_url_whatever_host_they_came_in_by(make_app, make_user, make_patient):
    app = make_app(BASE_URL="http://recovery.clinic.example/app")
    client = app.test_client()
    staff, patient = make_user("staff"), make_patient()
    alias = {"base_url": "http://127.0.0.1:5000", "headers": {"X-Forwarded-Host": "evil.example"}}
    _sign_in(client, staff, **alias)
    page = f"/staff/patients/{patient.id}"
    token = _token(client, page, **alias)
    html = client.post(f"{page}/link", data={"csrf_token": token}, **alias).get_data(as_text=True)
    assert "http://recovery.clinic.example/app/set-password/" in html  # on screen and in the letter
    assert "127.0.0.1" not in html and "evil.example" not in html
    tokens = client.get("/account/tokens", **alias).get_data(as_text=True)
    assert "http://recovery.clinic.example/app/api/" in tokens and "127.0.0.1" not in tokens


def test_email_links_use_base_url_even_when_built_during_a_request(make_app):
    from recovery.urls import external_url

    app = make_app(BASE_URL="https://recovery.clinic.example")
    with app.test_request_context("/", base_url="http://127.0.0.1"):
        assert external_url("auth.set_password", token="abc") == \
            "https://recovery.clinic.example/set-password/abc"
    with app.app_context():  # the scheduler: no request at all
        assert external_url("auth.login") == "https://recovery.clinic.example/login"


@pytest.mark.parametrize("setting, value, message", [
    ("BASE_URL", "recovery.clinic.example", "BASE_URL must be the http:// or https:// address"),
    ("BASE_URL", "ftp://recovery.clinic.example", "BASE_URL must be the http:// or https:// address"),
    ("BASE_URL", "https://", "BASE_URL must be the http:// or https:// address"),
    ("TRUSTED_HOSTS", "https://recovery.clinic.example", "TRUSTED_HOSTS lists host names"),
    ("TRUSTED_PROXIES", "1", "no longer a count: set TRUSTED_PROXIES=127.0.0.1"),
    ("TRUSTED_PROXIES", "proxy.internal", "TRUSTED_PROXIES lists IP addresses or networks"),
])
def test_bad_host_and_proxy_settings_stop_start_up_with_what_to_set(make_app, setting, value, message):
    with pytest.raises(ConfigError, match=message):
        make_app(**{setting: value})


def _audited_address(app, client, patient, **request) -> str:
    assert client.get(f"/clinic/patients/{patient.id}", **request).status_code == 200
    db.session.expire_all()
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "patient.view")
                               .order_by(AuditEvent.id.desc())).first()
    return event.ip_address


FORGED = {"X-Forwarded-For": "1.2.3.4", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}


def test_forwarded_headers_from_an_untrusted_peer_are_ignored(make_app, make_user, make_patient):
    app = make_app(TRUSTED_PROXIES="127.0.0.1")
    client = app.test_client()
    clinician, patient = make_user("clinician"), make_patient()
    _sign_in(client, clinician)
    stranger = {"environ_base": {"REMOTE_ADDR": "203.0.113.5"}, "headers": FORGED}
    assert _audited_address(app, client, patient, **stranger) == "203.0.113.5"
    proxied = {"environ_base": {"REMOTE_ADDR": "127.0.0.1"}, "headers": FORGED}
    assert _audited_address(app, client, patient, **proxied) == "1.2.3.4"


def test_only_a_trusted_proxy_can_say_the_request_came_over_https(make_app):
    app = make_app(BASE_URL="https://recovery.clinic.example", TESTING=False, TRUSTED_PROXIES="10.0.0.0/8")
    client = app.test_client()
    https = {"X-Forwarded-Proto": "https"}
    forged = client.get("/login", headers=https, environ_base={"REMOTE_ADDR": "203.0.113.5"})
    assert forged.status_code == 302 and forged.headers["Location"].startswith("https://")
    assert "Strict-Transport-Security" not in forged.headers
    proxied = client.get("/login", headers=https, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert proxied.status_code == 200
    assert "max-age" in proxied.headers["Strict-Transport-Security"]
    assert "Secure" in proxied.headers["Set-Cookie"]


def test_without_trusted_proxies_no_peer_sets_the_client_address(make_app, make_user, make_patient):
    app = make_app()  # TRUSTED_PROXIES unset: the default
    client = app.test_client()
    clinician, patient = make_user("clinician"), make_patient()
    _sign_in(client, clinician)
    assert _audited_address(app, client, patient, headers=FORGED) == "127.0.0.1"


def test_the_rate_limit_counts_the_client_behind_a_proxy_not_a_forged_address(make_app):
    app = make_app(TRUSTED_PROXIES="127.0.0.1,10.0.0.0/8", RATELIMIT_ENABLED=True,
                   LOGIN_RATE_LIMIT="3 per minute", WTF_CSRF_ENABLED=False)
    client = app.test_client()

    def attempt(peer, forwarded_for):
        return client.post("/login", data={"login": "someone@example.org", "password": "wrong-password-x"},
                           environ_base={"REMOTE_ADDR": peer},
                           headers={"X-Forwarded-For": forwarded_for}).status_code

    # A stranger rotating X-Forwarded-For is still one address.
    assert [attempt("203.0.113.5", f"198.51.100.{i}") for i in range(4)] == [400, 400, 400, 429]
    # Behind the proxies (nginx on this host after a load balancer in 10/8), each client is
    # its own: the right-most address that is not a proxy, whatever a client put before it.
    assert [attempt("127.0.0.1", "6.6.6.6, 192.0.2.1, 10.0.0.2") for _ in range(4)] == [400, 400, 400, 429]
    assert attempt("127.0.0.1", "192.0.2.2, 10.0.0.2") == 400
