"""Failed sign-ins are counted per account in the database and lock it for a while."""

from datetime import timedelta

from recovery.extensions import db
from recovery.models import User
from recovery.services import accounts

from .conftest import NOW, TEST_PASSWORD, csrf_token

MESSAGE = "That e-mail and password do not match an active account."


def _login(client, login, password):
    return client.post("/login", data={"login": login, "password": password,
                                       "csrf_token": csrf_token(client, "/login")})


def test_five_failures_lock_the_account_even_for_the_right_password(client, make_user):
    user = make_user("clinician")
    for _ in range(5):
        assert _login(client, user.email, "wrong-password-1").status_code == 400
    db.session.refresh(user)
    assert user.locked_until is not None and user.failed_logins == 0
    locked = _login(client, user.email, TEST_PASSWORD)
    assert locked.status_code == 400 and MESSAGE in locked.get_data(as_text=True)
    assert client.get("/clinic/").status_code == 302  # not signed in


def test_the_lock_ends_after_its_minutes_and_success_resets_the_count(app, make_user):
    user = make_user("staff")
    for minute in range(5):
        assert accounts.authenticate(user.email, "wrong-password-1", NOW + timedelta(minutes=minute)) is None
    assert accounts.authenticate(user.email, TEST_PASSWORD, NOW + timedelta(minutes=18)) is None  # locked
    assert accounts.authenticate(user.email, TEST_PASSWORD, NOW + timedelta(minutes=20)) == user
    assert user.failed_logins == 0 and user.locked_until is None
    # Fewer failures than the limit, then a success: the count starts again from zero.
    for _ in range(4):
        accounts.authenticate(user.email, "wrong-password-1", NOW + timedelta(minutes=21))
    assert user.failed_logins == 4
    assert accounts.authenticate(user.email, TEST_PASSWORD, NOW + timedelta(minutes=22)) == user
    assert user.failed_logins == 0


def test_the_count_is_in_the_database_so_every_process_sees_it(app, client, make_user):
    user = make_user("staff")
    for _ in range(3):
        _login(client, user.email, "wrong-password-1")
    db.session.expire_all()
    assert db.session.get(User, user.id).failed_logins == 3


def test_limits_come_from_config(app, make_user):
    app.config.update(LOGIN_LOCKOUT_FAILURES=2, LOGIN_LOCKOUT_MINUTES=60)
    user = make_user("staff")
    accounts.authenticate(user.email, "wrong-password-1", NOW)
    accounts.authenticate(user.email, "wrong-password-1", NOW)
    assert user.locked_until == NOW + timedelta(minutes=60)


def test_unknown_wrong_and_locked_look_the_same_and_each_checks_one_hash(client, make_user, monkeypatch):
    user = make_user("staff")
    locked = make_user("staff")
    locked.locked_until = NOW + timedelta(days=3650)
    db.session.commit()
    calls = []
    real = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash", lambda h, p: calls.append(h) or real(h, p))
    pages = {}
    for case, login, password in (("unknown", "nobody@example.org", TEST_PASSWORD),
                                  ("wrong", user.email, "wrong-password-1"),
                                  ("locked", locked.email, TEST_PASSWORD)):
        calls.clear()
        response = _login(client, login, password)
        pages[case] = (response.status_code, _error_text(response.get_data(as_text=True)))
        assert len(calls) == 1, case  # the same work, so about the same time, whatever the case
    assert pages["unknown"] == pages["wrong"] == pages["locked"]
    assert pages["wrong"][0] == 400 and MESSAGE in pages["wrong"][1]


def _error_text(html: str) -> str:
    import re

    return " ".join(re.findall(r'<p class="error" role="alert">(.*?)</p>', html))
