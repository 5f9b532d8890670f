"""Forgot password: the same answer for every e-mail, a one-time link that expires, and a new password."""

import re
import smtplib
from datetime import timedelta

from sqlalchemy import func, select

from recovery.extensions import db
from recovery.jobs import dispatch_due
from recovery.models import Reminder, SetPasswordToken, utcnow
from recovery.reminders.rules import Policy
from recovery.services import accounts, enrolment, outbox_view

from .conftest import NOW, TEST_PASSWORD, csrf_token, session_key_for, statements

SENT = "If an account uses that e-mail address, we have sent it a link"


def _ask(client, email):
    """Ask for a reset link; the scheduler's next run sends the e-mail (see _scheduler)."""
    response = client.post("/forgot-password", data={"email": email,
                                                     "csrf_token": csrf_token(client, "/forgot-password")})
    response.close()
    return response


def _scheduler(now=None):
    """One scheduler run (every 30 seconds in production): it sends what the outbox holds."""
    return dispatch_due(now or utcnow(), "scheduler-1")


def _link(message) -> str:
    body = message.get_body(("plain",)).get_content()
    return re.search(r"http://localhost(/set-password/\S+)", body).group(1)


def test_login_page_offers_the_reset(client):
    assert 'href="/forgot-password"' in client.get("/login").get_data(as_text=True)


def test_known_and_unknown_emails_get_the_same_page(client, make_user, smtp_sink):
    user = make_user("clinician")
    known = _ask(client, user.email.upper())
    unknown = _ask(client, "nobody@example.org")
    _scheduler()
    assert known.status_code == unknown.status_code == 200
    assert SENT in known.get_data(as_text=True)
    assert _strip_tokens(known.get_data(as_text=True)) == _strip_tokens(unknown.get_data(as_text=True))
    assert [m["To"] for m in smtp_sink.messages] == [user.email]


def test_the_link_sets_a_new_password_once_and_unlocks_the_account(client, make_user, smtp_sink):
    user = make_user("staff")
    user.failed_logins, user.backoff_until = 3, utcnow() + timedelta(minutes=10)
    db.session.commit()
    _ask(client, user.email)
    _scheduler()
    (message,) = smtp_sink.messages
    assert message["Subject"] == "Reset your Recovery password"
    assert "works once, for 60 minutes" in message.get_body(("plain",)).get_content()
    url = _link(message)
    assert "Choose a password" in client.get(url).get_data(as_text=True)
    response = client.post(url, data={"password": "a-brand-new-secret", "confirm": "a-brand-new-secret",
                                      "csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.backoff_until is None and user.failed_logins == 0
    login = client.post("/login", data={"login": user.email, "password": "a-brand-new-secret",
                                        "csrf_token": csrf_token(client, "/login")})
    assert login.status_code == 302
    assert client.get(url).status_code == 404  # used


def test_the_reset_link_expires_after_its_minutes(app, make_user):
    user = make_user("staff")
    token = accounts.issue_reset_token(user, NOW)  # when the scheduler sends the e-mail
    db.session.commit()
    assert accounts.token_user(token, NOW + timedelta(minutes=59)) == user
    assert accounts.token_user(token, NOW + timedelta(minutes=61)) is None


def test_a_common_password_is_refused_on_reset(client, make_user, smtp_sink):
    user = make_user("staff")
    _ask(client, user.email)
    _scheduler()
    url = _link(smtp_sink.messages[0])
    response = client.post(url, data={"password": "password123", "confirm": "password123",
                                      "csrf_token": csrf_token(client, url)})
    assert response.status_code == 400 and "most common" in response.get_data(as_text=True)
    login = client.post("/login", data={"login": user.email, "password": TEST_PASSWORD,
                                        "csrf_token": csrf_token(client, "/login")})
    assert login.status_code == 302  # the old password still works


def test_inactive_accounts_and_bad_addresses_get_no_token(client, make_user, smtp_sink):
    inactive = make_user("staff", active=False)
    assert SENT in _ask(client, inactive.email).get_data(as_text=True)
    bad = _ask(client, "not-an-address")
    _scheduler()
    assert bad.status_code == 400 and "Enter the e-mail address" in bad.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SetPasswordToken)) == 0
    assert smtp_sink.messages == []


def test_a_mail_server_that_is_down_changes_nothing_the_visitor_sees(app, client, make_user):
    user = make_user("staff")
    app.config.update(MAIL_PORT=1, MAIL_TIMEOUT=2)  # nothing listens there
    response = _ask(client, user.email)
    assert response.status_code == 200 and SENT in response.get_data(as_text=True)
    report = _scheduler()
    assert report.sent == [] and len(report.deferred + report.retried) == 1  # kept for the next run
    assert db.session.scalar(select(Reminder.status).where(Reminder.kind == "password_reset")) == "pending"


def _strip_tokens(html: str) -> str:
    return re.sub(r'value="[^"]+"', "", html)


def test_a_new_password_signs_out_every_session_that_used_the_old_one(app, make_user, login, smtp_sink):
    user = make_user("clinician")
    elsewhere = app.test_client()  # say, a shared ward computer left signed in
    with elsewhere.session_transaction() as session:
        session["_user_id"] = session_key_for(user)
    assert elsewhere.get("/clinic/").status_code == 200
    here = app.test_client()
    _ask(here, user.email)
    _scheduler()
    url = _link(smtp_sink.messages[0])
    here.post(url, data={"password": "a-brand-new-secret", "confirm": "a-brand-new-secret",
                         "csrf_token": csrf_token(here, url)})
    response = elsewhere.get("/clinic/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    signed_in = here.post("/login", data={"login": user.email, "password": "a-brand-new-secret",
                                          "csrf_token": csrf_token(here, "/login")})
    assert signed_in.status_code == 302
    assert here.get("/clinic/").status_code == 200  # the new password's session works


def test_known_and_unknown_addresses_cost_the_request_the_same_work(app, client, make_user, smtp_sink,
                                                                     monkeypatch):
    # What a request does, not how long it takes: the same statements for an address with an
    # account and one without, the same page, and no SMTP connection while the visitor waits or
    # when the answer is closed. Its timing then cannot tell a stranger which addresses exist.
    user = make_user("clinician")
    connections = []
    real_smtp = smtplib.SMTP

    def counting_smtp(*args, **kwargs):
        connections.append(args)
        return real_smtp(*args, **kwargs)

    monkeypatch.setattr(smtplib, "SMTP", counting_smtp)
    work = {}
    for name, email in (("known", user.email), ("unknown", "nobody@example.org")):
        csrf = csrf_token(client, "/forgot-password")
        with statements() as seen:
            response = client.post("/forgot-password", data={"email": email, "csrf_token": csrf})
            response.close()  # as the server does once the page is delivered
        work[name] = ([" ".join(sql.split()) for sql in seen], _strip_tokens(response.get_data(as_text=True)),
                      response.status_code)
    assert work["known"] == work["unknown"]
    assert connections == [] and smtp_sink.messages == []
    _scheduler()  # the scheduler sends it, within a minute
    assert [m["To"] for m in smtp_sink.messages] == [user.email] and len(connections) == 1


def test_a_reset_is_sent_at_night_and_is_no_patient_reminder(app, client, make_patient, smtp_sink):
    # 03:00 in Chicago: patient reminders wait for the morning, a reset someone is waiting for does not.
    patient = make_patient(email="night.owl@example.org")
    night = NOW.replace(hour=9)  # 03:00 in Chicago
    accounts.request_password_reset(patient.user.email, night)
    db.session.commit()
    report = _scheduler(night)
    assert [m["To"] for m in smtp_sink.messages] == ["night.owl@example.org"]
    assert "Reset your Recovery password" == smtp_sink.messages[0]["Subject"]
    (reset,) = db.session.scalars(select(Reminder).where(Reminder.kind == "password_reset")).all()
    assert reset.id in report.sent and reset.status == "sent" and reset.patient_id is None
    listed = outbox_view.list_page(outbox_view.OutboxQuery(status="all"), night, "America/Chicago", Policy())
    assert reset.id not in [row.reminder.id for row in listed.rows]
    assert reset.id not in [r.id for r in outbox_view.upcoming_for(patient)]


def test_an_anonymous_reset_request_leaves_the_printed_invitation_working(client, make_patient, make_user,
                                                                          smtp_sink):
    patient = make_patient(email="new.patient@example.org")
    patient.user.password_hash = None  # enrolled, not yet signed in
    staff = make_user("staff")
    printed = enrolment.issue_link(patient, staff, utcnow())  # handed over on paper at discharge
    db.session.commit()
    _ask(client, patient.user.email)  # anyone can type the patient's address
    _scheduler()
    reset_url = _link([m for m in smtp_sink.messages if m["Subject"] == "Reset your Recovery password"][0])
    assert client.get(reset_url).status_code == 200
    url = f"/set-password/{printed}"
    assert "Choose a password" in client.get(url).get_data(as_text=True)
    response = client.post(url, data={"password": "the-printed-secret-1", "confirm": "the-printed-secret-1",
                                      "csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    login = client.post("/login", data={"login": patient.record_number, "password": "the-printed-secret-1",
                                        "csrf_token": csrf_token(client, "/login")})
    assert login.status_code == 302
