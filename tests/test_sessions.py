"""Sessions start afresh at sign-in and end after inactivity, sooner for clinicians and staff."""

import time

from sqlalchemy import select

from recovery.extensions import db
from recovery.models import utcnow

from .conftest import TEST_PASSWORD, csrf_token


def _age_session(client, seconds: int) -> None:
    with client.session_transaction() as session:
        session["last_seen"] = int(time.time()) - seconds


def test_login_starts_a_new_session_without_anything_set_before(client, make_user):
    user = make_user("staff")
    token = csrf_token(client, "/login")
    with client.session_transaction() as session:
        session["planted"] = "by-an-attacker"
    client.post("/login", data={"login": user.email, "password": TEST_PASSWORD, "csrf_token": token})
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"]  # a session key: the server-side row, not the user id
        assert "csrf_token" not in session  # the pre-login CSRF secret is gone too
    assert client.get("/staff/").status_code == 200


def test_staff_are_signed_out_after_15_idle_minutes(app, client, make_user, login):
    login(make_user("staff"))
    _age_session(client, 14 * 60)
    assert client.get("/staff/").status_code == 200  # and this visit counts as activity
    _age_session(client, 16 * 60)
    response = client.get("/staff/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "signed out after a period of inactivity" in page
    assert client.get("/staff/").status_code == 302  # the session is gone, not just this request


def test_clinicians_share_the_short_limit_and_patients_get_longer(client, make_user, make_patient, login):
    login(make_user("clinician"))
    _age_session(client, 16 * 60)
    assert client.get("/clinic/").status_code == 302
    patient = make_patient()
    login(patient.user)
    _age_session(client, 45 * 60)
    assert client.get("/patient/").status_code == 200
    _age_session(client, 61 * 60)
    assert client.get("/patient/").status_code == 302


def test_idle_limits_come_from_config(app, client, make_user, login):
    app.config["SESSION_IDLE_MINUTES_STAFF"] = 2
    login(make_user("staff"))
    _age_session(client, 3 * 60)
    assert client.get("/staff/").status_code == 302


# Server-side sessions: ending one works at once, even for a copy of its cookie.

def _signed_in(app, user, ip="127.0.0.1", agent="Firefox on the ward PC"):
    client = app.test_client()
    response = client.post("/login", data={"login": user.email or user.patient.record_number,
                                           "password": TEST_PASSWORD,
                                           "csrf_token": csrf_token(client, "/login")},
                           environ_base={"REMOTE_ADDR": ip}, headers={"User-Agent": agent})
    assert response.status_code == 302
    return client


def _copy(app, client):
    """A second browser holding a copy of `client`'s session cookie (a stolen cookie)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _in(client, path="/clinic/") -> bool:
    return client.get(path).status_code == 200


def test_a_copied_session_cookie_stops_working_at_logout(app, make_user):
    here = _signed_in(app, make_user("clinician"))
    thief = _copy(app, here)
    assert _in(thief)  # the copy works while the session lives ...
    here.post("/logout", data={"csrf_token": csrf_token(here, "/clinic/")})
    response = thief.get("/clinic/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]  # ... not after


def test_sign_out_everywhere_ends_every_session_of_the_account_this_one_too(app, make_user):
    user, other = make_user("clinician"), make_user("clinician")
    laptop, ward, theirs = _signed_in(app, user), _signed_in(app, user), _signed_in(app, other)
    thief = _copy(app, ward)
    response = laptop.post("/account/sessions/end-all",
                           data={"csrf_token": csrf_token(laptop, "/account/sessions")})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "signed out everywhere" in laptop.get("/login").get_data(as_text=True)
    assert not _in(laptop) and not _in(ward) and not _in(thief)
    assert _in(theirs)  # another account's sessions are untouched


def test_the_sessions_page_lists_them_and_ends_one_other_session(app, make_user):
    user = make_user("staff")
    here = _signed_in(app, user, "10.0.0.1", "Firefox on the desk")
    there = _signed_in(app, user, "10.0.0.2", "Safari on an iPad")
    page = here.get("/account/sessions").get_data(as_text=True)
    assert page.count('data-testid="session-row"') == 2
    assert "Safari on an iPad" in page and "10.0.0.2" in page and "(this device)" in page
    from recovery.models import UserSession

    ipad = db.session.scalar(select(UserSession.id).where(UserSession.address == "10.0.0.2"))
    response = here.post(f"/account/sessions/{ipad}/end", data={"csrf_token": csrf_token(here, "/account/sessions")})
    assert response.status_code == 302
    assert not _in(there, "/staff/") and _in(here, "/staff/")
    assert here.get("/account/sessions").get_data(as_text=True).count('data-testid="session-row"') == 1


def test_nobody_can_end_another_users_session(app, make_user):
    clinician, staff = make_user("clinician"), make_user("staff")
    theirs = _signed_in(app, clinician)
    mine = _signed_in(app, staff)
    from recovery.models import UserSession

    target = db.session.scalar(select(UserSession.id).where(UserSession.user_id == clinician.id))
    response = mine.post(f"/account/sessions/{target}/end",
                         data={"csrf_token": csrf_token(mine, "/account/sessions")})
    assert response.status_code == 404
    assert _in(theirs)
    assert mine.get("/account/sessions").get_data(as_text=True).count('data-testid="session-row"') == 1


def test_deactivation_ends_the_accounts_sessions_at_once_for_good(app, make_user):
    user = make_user("clinician")
    browser = _signed_in(app, user)
    result = app.test_cli_runner().invoke(args=["deactivate-user", user.email])
    assert result.exit_code == 0, result.output
    assert not _in(browser)
    user.active = True  # reopened later: the old session stays ended
    db.session.commit()
    assert not _in(browser)


def test_a_new_password_ends_every_session_at_once(app, make_user):
    user = make_user("staff")
    ward = _signed_in(app, user)
    thief = _copy(app, ward)
    from recovery.services import accounts

    token = accounts.issue_set_password_token(user, utcnow(), purpose="reset")
    db.session.commit()
    accounts.set_password_with_token(token, TEST_PASSWORD + "x", TEST_PASSWORD + "x", utcnow())
    db.session.commit()
    assert not _in(ward, "/staff/") and not _in(thief, "/staff/")


def test_a_signed_in_page_is_one_session_lookup_and_last_seen_is_written_once_a_minute(app, make_user):
    import time_machine

    from recovery.models import UserSession

    from .conftest import statements

    user = make_user("staff")
    with time_machine.travel(utcnow(), tick=False) as clock:
        browser = _signed_in(app, user)
        with statements() as seen:
            assert _in(browser, "/staff/")
        assert sum("user_sessions" in s for s in seen) == 1  # the lookup, joined with the user
        assert not any(s.startswith("UPDATE user_sessions") for s in seen)
        clock.shift(61)
        with statements() as seen:
            assert _in(browser, "/staff/")
        assert sum(s.startswith("UPDATE user_sessions") for s in seen) == 1
        db.session.expire_all()
        assert db.session.scalar(select(UserSession.last_seen_at)) == utcnow()
