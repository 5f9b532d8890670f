"""Sessions start afresh at sign-in and end after inactivity, sooner for clinicians and staff."""

import time

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
