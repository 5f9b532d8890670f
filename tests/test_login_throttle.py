"""Wrong passwords slow an account's sign-in down, never lock its owner out.

The failures are counted per account in the database, across addresses; from the fifth in a row
on, a sign-in from a device that never signed in to the account waits 1, 2, 4 ... seconds (at
most LOGIN_BACKOFF_MAX_SECONDS), but a device that did, and a reset link, always get in. The
owner is shown the failures at their next sign-in and on their sessions page.
"""

from datetime import timedelta

import pytest

from recovery.extensions import db
from recovery.models import SignInFailure, User, utcnow
from recovery.services import accounts

from .conftest import NOW, TEST_PASSWORD, _make_app, csrf_token

MESSAGE = "That e-mail and password do not match an active account."


def _login(client, login, password, ip="127.0.0.1"):
    return client.post("/login", data={"login": login, "password": password,
                                       "csrf_token": csrf_token(client, "/login")},
                       environ_base={"REMOTE_ADDR": ip})


@pytest.fixture(autouse=True)
def _still_clock():
    """The clock stands still in these tests, so a wait of a second never ends during one."""
    import time_machine

    with time_machine.travel(utcnow(), tick=False) as traveller:
        yield traveller


@pytest.fixture
def limited(app, _schema, tmp_path):
    """The app with its per-address limit on (3 a minute), as in production."""
    limited_app = _make_app(_schema, tmp_path / "limited", RATELIMIT_ENABLED=True,
                            LOGIN_RATE_LIMIT="3 per minute")
    yield limited_app
    with limited_app.app_context():
        db.engine.dispose()


def test_an_attacker_from_many_addresses_cannot_keep_a_clinician_out_of_their_own_computer(
        limited, make_user, _still_clock):
    clinician = make_user("clinician")
    desk = limited.test_client()  # the clinician's own computer: it signed in before
    assert _login(desk, clinician.email, TEST_PASSWORD, "10.1.1.5").status_code == 302
    desk.post("/logout", data={"csrf_token": csrf_token(desk, "/clinic/")})
    _still_clock.shift(60)  # the attack comes later
    # Forty wrong passwords from twenty addresses, each under the per-address limit.
    attacker = limited.test_client()
    for n in range(40):
        assert _login(attacker, clinician.email, f"guess-number-{n}", f"198.51.100.{n // 2}").status_code == 400
    # The attacker now waits even with the right password ...
    refused = _login(attacker, clinician.email, TEST_PASSWORD, "198.51.100.99")
    assert refused.status_code == 400 and MESSAGE in refused.get_data(as_text=True)
    # ... but the clinician at their own computer signs in at once, and is told about the attack.
    signed_in = _login(desk, clinician.email, TEST_PASSWORD, "10.1.1.5")
    assert signed_in.status_code == 302
    page = desk.get("/clinic/", environ_base={"REMOTE_ADDR": "10.1.1.5"}).get_data(as_text=True)
    assert "failed sign-in attempts since your last sign-in" in page and "from 198.51.100." in page


def test_a_patient_signing_in_by_record_number_gets_the_same_protection(app, make_patient, _still_clock):
    patient = make_patient(preferred_language="es")
    phone, attacker = app.test_client(), app.test_client()
    assert _login(phone, patient.record_number, TEST_PASSWORD).status_code == 302
    phone.post("/logout", data={"csrf_token": csrf_token(phone, "/patient/")})
    _still_clock.shift(60)
    for n in range(12):
        _login(attacker, patient.record_number, f"guess-number-{n}", "203.0.113.40")
    assert _login(attacker, patient.record_number, TEST_PASSWORD).status_code == 400  # waits
    assert _login(phone, patient.record_number, TEST_PASSWORD).status_code == 302
    page = phone.get("/patient/").get_data(as_text=True)
    assert "intentos fallidos de inicio de sesión desde su último inicio de sesión" in page
    assert "203.0.113.40" in page


def test_an_unknown_device_waits_a_moment_then_gets_in_and_the_wait_grows_to_a_cap(app, make_user):
    user = make_user("staff")
    for _ in range(5):
        assert accounts.authenticate(user.email, "wrong-password-1", NOW) is None
    # The fifth failure in a row starts a one-second wait, not a lock.
    assert accounts.authenticate(user.email, TEST_PASSWORD, NOW + timedelta(milliseconds=500)) is None
    assert accounts.authenticate(user.email, TEST_PASSWORD, NOW + timedelta(seconds=2)) == user
    assert user.failed_logins == 0 and user.backoff_until is None
    # Many more failures, each tried the moment the last wait ended: the waits double, then stop
    # at LOGIN_BACKOFF_MAX_SECONDS (300), and a wait refuses without counting.
    at, waits = NOW + timedelta(seconds=3), []
    for _ in range(14):
        assert accounts.authenticate(user.email, "wrong-password-1", at) is None
        wait = user.backoff_until - at if user.backoff_until else timedelta(0)
        waits.append(int(wait.total_seconds()))
        if wait:
            assert accounts.authenticate(user.email, "wrong-password-2", at) is None  # refused, not counted
        at += wait
    assert waits == [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300]
    assert user.failed_logins == 14
    assert accounts.authenticate(user.email, TEST_PASSWORD, at - timedelta(seconds=1)) is None
    assert accounts.authenticate(user.email, TEST_PASSWORD, at) == user  # never locked out


def test_a_device_that_signed_in_before_is_never_made_to_wait(app, make_user):
    user, other = make_user("clinician"), make_user("clinician")
    for _ in range(20):
        accounts.authenticate(user.email, "wrong-password-1", NOW)
    assert accounts.authenticate(user.email, TEST_PASSWORD, NOW) is None
    # Known for another account only: that does not help.
    assert accounts.authenticate(user.email, TEST_PASSWORD, NOW, known_accounts=frozenset({other.id})) is None
    assert accounts.authenticate(user.email, TEST_PASSWORD, NOW, known_accounts=frozenset({user.id})) == user


def test_a_forged_known_device_cookie_does_not_skip_the_wait(app, client, make_user):
    user = make_user("staff")
    for _ in range(8):
        _login(client, user.email, "wrong-password-1")
    from itsdangerous import URLSafeTimedSerializer

    forged = URLSafeTimedSerializer("not-the-secret", salt="recovery-known-device").dumps({"u": [user.id]})
    client.set_cookie("known_device", forged)
    assert _login(client, user.email, TEST_PASSWORD).status_code == 400


def test_at_most_so_many_failures_an_hour_are_checked_per_account(app, make_user):
    app.config.update(LOGIN_BACKOFF_AFTER=1000, LOGIN_ACCOUNT_FAILURES_PER_HOUR=3)
    user = make_user("staff")
    for second in range(3):
        accounts.authenticate(user.email, "wrong-password-1", NOW + timedelta(seconds=second))
    assert accounts.authenticate(user.email, TEST_PASSWORD, NOW + timedelta(seconds=5)) is None
    assert accounts.authenticate(user.email, "wrong-password-1", NOW + timedelta(seconds=6)) is None
    assert db.session.scalar(db.select(db.func.count()).select_from(SignInFailure)) == 3  # not counted
    assert accounts.authenticate(user.email, TEST_PASSWORD, NOW + timedelta(seconds=6),
                                 known_accounts=frozenset({user.id})) == user
    assert accounts.authenticate(user.email, TEST_PASSWORD, NOW + timedelta(minutes=61)) == user


def test_a_reset_link_ends_the_wait_and_the_owner_still_sees_the_failures(app, client, make_user):
    user = make_user("clinician")
    for n in range(20):  # the clock stands still: five are checked, fifteen refused during the wait
        _login(client, user.email, f"guess-number-{n}", "198.51.100.7")
    assert _login(client, user.email, TEST_PASSWORD).status_code == 400  # waiting
    token = accounts.issue_set_password_token(user, utcnow(), purpose="reset")
    db.session.commit()
    url = f"/set-password/{token}"
    client.post(url, data={"password": "a-brand-new-secret", "confirm": "a-brand-new-secret",
                           "csrf_token": csrf_token(client, url)})
    assert _login(client, user.email, "a-brand-new-secret").status_code == 302  # at once
    page = client.get("/account/sessions").get_data(as_text=True)
    assert page.count('data-testid="failure-row"') == 5 and "198.51.100.7" in page  # the checked ones


def test_the_owner_is_told_of_failures_once_in_their_own_time_zone(app, make_patient):
    patient = make_patient(tz="America/Los_Angeles")
    client = app.test_client()
    for _ in range(3):
        _login(client, patient.record_number, "wrong-password-1", "203.0.113.9")
    assert _login(client, patient.record_number, TEST_PASSWORD).status_code == 302
    page = client.get("/patient/").get_data(as_text=True)
    assert "3 failed sign-in attempts since your last sign-in" in page and "203.0.113.9" in page
    assert "PST" in page or "PDT" in page  # the patient's own zone, not the clinic's
    client.post("/logout", data={"csrf_token": csrf_token(client, "/patient/")})
    assert _login(client, patient.record_number, TEST_PASSWORD).status_code == 302
    assert "failed sign-in" not in client.get("/patient/").get_data(as_text=True)  # told once


def test_the_count_is_in_the_database_so_every_process_sees_it(app, client, make_user):
    user = make_user("staff")
    for _ in range(3):
        _login(client, user.email, "wrong-password-1")
    db.session.expire_all()
    assert db.session.get(User, user.id).failed_logins == 3
    assert db.session.scalar(db.select(db.func.count()).select_from(SignInFailure)) == 3


def test_unknown_wrong_and_waiting_look_the_same_and_each_checks_one_hash(client, make_user, monkeypatch):
    user = make_user("staff")
    waiting = make_user("staff")
    waiting.failed_logins, waiting.backoff_until = 20, NOW + timedelta(days=3650)
    db.session.commit()
    calls = []
    real = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash", lambda h, p: calls.append(h) or real(h, p))
    pages = {}
    for case, login, password in (("unknown", "nobody@example.org", TEST_PASSWORD),
                                  ("wrong", user.email, "wrong-password-1"),
                                  ("waiting", waiting.email, TEST_PASSWORD)):
        calls.clear()
        response = _login(client, login, password)
        pages[case] = (response.status_code, _error_text(response.get_data(as_text=True)))
        assert len(calls) == 1, case  # the same work, so about the same time, whatever the case
    assert pages["unknown"] == pages["wrong"] == pages["waiting"]
    assert pages["wrong"][0] == 400 and MESSAGE in pages["wrong"][1]
    assert "paused for" not in pages["wrong"][1]  # no lock is promised or threatened


def test_an_unknown_account_checks_a_hash_as_dear_as_a_real_accounts(product_dummy_hash):
    """The dummy an unknown login is checked against is made the way the product hashes every
    password (the run's test accounts use a cheap hash, and so does the run's dummy)."""
    from werkzeug.security import generate_password_hash

    method = generate_password_hash("a-password-set-by-the-product-1").split("$")[0]
    assert method.startswith("scrypt:")  # werkzeug's dear default
    assert product_dummy_hash.split("$")[0] == method


def _error_text(html: str) -> str:
    import re

    return " ".join(re.findall(r'<p class="error"[^>]*>(.*?)</p>', html))
