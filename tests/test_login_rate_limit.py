"""Per-IP limits on sign-in attempts (off in the other tests, on here)."""

import pytest

from recovery.extensions import db

from .conftest import _make_app, csrf_token


@pytest.fixture
def limited(app, _schema, tmp_path):
    limited_app = _make_app(_schema, tmp_path / "limited", RATELIMIT_ENABLED=True,
                            LOGIN_RATE_LIMIT="3 per minute", WTF_CSRF_ENABLED=False)
    yield limited_app
    with limited_app.app_context():
        db.engine.dispose()


def _attempt(client, ip):
    return client.post("/login", data={"login": "someone@example.org", "password": "wrong-password-x"},
                       environ_base={"REMOTE_ADDR": ip})


def test_too_many_sign_in_attempts_from_one_address_get_429(limited, make_user):
    client = limited.test_client()
    assert [_attempt(client, "203.0.113.7").status_code for _ in range(3)] == [400, 400, 400]
    blocked = _attempt(client, "203.0.113.7")
    assert blocked.status_code == 429
    assert "Too many requests" in blocked.get_data(as_text=True)
    assert int(blocked.headers["Retry-After"]) > 0
    # Another address is not affected, and the page itself still opens.
    assert _attempt(client, "198.51.100.2").status_code == 400
    assert client.get("/login", environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code == 200


def test_the_test_configuration_has_no_limit(client):
    token = csrf_token(client, "/login")
    codes = {client.post("/login", data={"login": "x@example.org", "password": "y" * 12,
                                         "csrf_token": token}).status_code for _ in range(12)}
    assert codes == {400}


def test_password_reset_requests_are_limited_per_address_too(limited):
    client = limited.test_client()
    ask = lambda: client.post("/forgot-password", data={"email": "someone@example.org"},  # noqa: E731
                              environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert [ask().status_code for _ in range(3)] == [200, 200, 200]
    assert ask().status_code == 429
