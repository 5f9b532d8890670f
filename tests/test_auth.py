"""Signing in and out, inactive users, set-password links."""

from datetime import timedelta

from recovery.extensions import db
from recovery.models import User, utcnow
from recovery.services import accounts

from .conftest import NOW, TEST_PASSWORD, csrf_token


def _login(client, login, password):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"login": login, "password": password, "csrf_token": token})


def test_each_role_lands_on_its_home_after_login(client, make_user):
    for role, home in (("patient", "/patient/"), ("clinician", "/clinic/"), ("staff", "/staff/")):
        user = make_user(role)
        response = _login(client, user.email.upper(), TEST_PASSWORD)
        assert response.status_code == 302
        assert response.headers["Location"].endswith(home)
        assert client.get(home).status_code == 200
        client.post("/logout", data={"csrf_token": csrf_token(client, home)})


def test_wrong_password_and_unknown_email_get_the_same_message(client, make_user):
    user = make_user("staff")
    wrong = _login(client, user.email, "not-the-password")
    unknown = _login(client, "nobody@example.org", "not-the-password")
    assert wrong.status_code == unknown.status_code == 400
    message = "That e-mail and password do not match an active account."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302  # still anonymous


def test_inactive_user_cannot_log_in_and_is_logged_out_when_deactivated(client, make_user, login):
    inactive = make_user("staff", active=False)
    assert _login(client, inactive.email, TEST_PASSWORD).status_code == 400
    active = make_user("clinician")
    login(active)
    assert client.get("/clinic/").status_code == 200
    active.active = False
    db.session.commit()
    assert client.get("/clinic/").status_code == 302


def test_logout_needs_post_with_csrf(client, make_user, login):
    login(make_user("staff"))
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no CSRF token: refused
    assert client.get("/staff/").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/staff/")})
    assert client.get("/staff/").status_code == 302


def test_set_password_link_works_once_and_expires(app, client, make_patient):
    patient = make_patient()
    token = accounts.issue_set_password_token(patient.user, utcnow())
    db.session.commit()
    url = f"/set-password/{token}"
    # Too short: refused, nothing written.
    response = client.post(url, data={"password": "short", "confirm": "short",
                                      "csrf_token": csrf_token(client, url)})
    assert response.status_code == 400
    assert "at least 10 characters" in response.get_data(as_text=True)
    response = client.post(url, data={"password": "a-new-password-1", "confirm": "a-new-password-1",
                                      "csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    assert _login(client, patient.record_number, "a-new-password-1").status_code == 302
    assert client.get(url).status_code == 404  # used once
    # An expired link is refused.
    later = accounts.issue_set_password_token(patient.user, NOW - timedelta(days=10))
    db.session.commit()
    assert accounts.token_user(later, NOW) is None


def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_patient_can_log_in_with_record_number(client, make_patient):
    patient = make_patient()
    user = db.session.get(User, patient.user_id)
    assert _login(client, patient.record_number, TEST_PASSWORD).status_code == 302
    assert user.role == "patient"


def test_healthz_names_the_scheduler_when_its_heartbeat_is_stale(app, client):
    from recovery.reminders.dispatch import beat

    app.config["SCHEDULER_REQUIRED"] = True
    response = client.get("/healthz")  # never started
    assert response.status_code == 503
    assert "scheduler" in response.get_json()
    beat("worker-1", utcnow() - timedelta(minutes=6))
    assert client.get("/healthz").status_code == 503
    beat("worker-1", utcnow())
    assert client.get("/healthz").get_json() == {"status": "ok"}
