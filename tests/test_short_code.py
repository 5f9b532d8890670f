"""Onboarding by short code: the code's rules, /start with the date of birth, one use, one message."""

import math
import re
from datetime import timedelta

from recovery import short_codes
from recovery.extensions import db
from recovery.models import SetPasswordToken, SignInFailure, utcnow
from recovery.services import accounts

from .conftest import csrf_token

REFUSED = "That code and date of birth do not open an account"


def _start(client, code, dob, password=None):
    data = {"code": code, "month": str(dob.month), "day": str(dob.day), "year": str(dob.year),
            "csrf_token": csrf_token(client, "/start")}
    if password is not None:
        data.update(step="2", password=password, confirm=password)
    return client.post("/start", data=data)


def test_code_alphabet_length_and_entropy(app):
    with app.test_request_context():
        codes = {short_codes.code_for(f"token-{i}") for i in range(300)}
    assert len(codes) == 300
    for code in codes:
        assert len(code) == 10 and not set(code) & set("0O1lIL")
    assert short_codes.bits() >= 40 and math.isclose(short_codes.bits(), 10 * math.log2(31))
    assert short_codes.grouped("K7QXM4PRTZ") == "K7QX-M4P-RTZ"
    assert short_codes.normalize(" k7qx-m4p rtz ") == "K7QXM4PRTZ"
    assert short_codes.normalize("K7QX-M4P-RT0") is None


def test_code_and_dob_set_password_sign_in_and_spend_the_link(app, client, make_patient):
    patient = make_patient()
    token = accounts.issue_set_password_token(patient.user, utcnow())
    db.session.commit()
    code = short_codes.grouped(short_codes.code_for(token)).lower()
    assert db.session.scalar(db.select(SetPasswordToken.code_hash)) != short_codes.code_for(token)
    response = _start(client, code, patient.date_of_birth)
    assert response.status_code == 200 and "Save password" in response.get_data(as_text=True)
    response = _start(client, code, patient.date_of_birth, "a-new-password-1")
    assert response.status_code == 302 and response.headers["Location"].endswith("/patient/")
    assert client.get("/patient/").status_code == 200  # signed in, on Today
    assert client.get(f"/set-password/{token}").status_code == 404  # the link is spent too
    client.post("/logout", data={"csrf_token": csrf_token(client, "/patient/")})
    assert REFUSED in _start(client, code, patient.date_of_birth).get_data(as_text=True)  # once only


def test_used_link_spends_the_code(app, client, make_patient):
    patient = make_patient()
    token = accounts.issue_set_password_token(patient.user, utcnow())
    db.session.commit()
    accounts.set_password_with_token(token, "a-new-password-1", "a-new-password-1", utcnow())
    db.session.commit()
    response = _start(client, short_codes.code_for(token), patient.date_of_birth)
    assert response.status_code == 400 and REFUSED in response.get_data(as_text=True)


def test_wrong_dob_expired_and_unknown_codes_get_one_message_and_count(app, client, make_patient):
    patient = make_patient()
    token = accounts.issue_set_password_token(patient.user, utcnow())
    old = make_patient()
    expired = accounts.issue_set_password_token(old.user, utcnow() - timedelta(days=30))
    db.session.commit()
    bodies = []
    for code, dob in [(short_codes.code_for(token), patient.date_of_birth - timedelta(days=1)),
                      (short_codes.code_for(expired), old.date_of_birth),
                      ("ABCD-EFG-HJK", patient.date_of_birth)]:
        response = _start(client, code, dob)
        assert response.status_code == 400
        bodies.append(re.findall(r'<p class="error"[^>]*>.*?</p>', response.get_data(as_text=True)))
    assert len(bodies[0]) == 1 and REFUSED in bodies[0][0]
    assert bodies[0] == bodies[2] and bodies[1] == bodies[2]
    counted = {row.user_id for row in db.session.scalars(db.select(SignInFailure))}
    assert counted == {patient.user_id, old.user_id}  # the unknown code named no account


def test_repeated_wrong_dob_slows_the_account_even_for_the_right_answer(app, client, make_patient):
    patient = make_patient()
    token = accounts.issue_set_password_token(patient.user, utcnow())
    db.session.commit()
    code = short_codes.code_for(token)
    for _ in range(app.config["LOGIN_BACKOFF_AFTER"] + 1):
        _start(client, code, patient.date_of_birth - timedelta(days=2))
    assert REFUSED in _start(client, code, patient.date_of_birth).get_data(as_text=True)
    assert client.get(f"/set-password/{token}").status_code == 200  # the link still works


def test_letter_and_invitation_email_carry_qr_and_grouped_code(app, make_patient):
    import email

    from recovery.reminders.channels import email as email_channel
    from recovery.reminders.outbox import enqueue_invite

    patient = make_patient(email="ana@example.org")
    invite = enqueue_invite(patient, utcnow())
    db.session.commit()
    with app.test_request_context():
        message = email_channel.compose(invite.id, utcnow())
    parsed = email.message_from_bytes(message.as_bytes())
    plain, html = [part.get_payload(decode=True).decode() for part in parsed.walk()
                   if part.get_content_maintype() == "text"]
    token = re.search(r"/set-password/([A-Za-z0-9_-]+)", plain).group(1)
    code = short_codes.grouped(short_codes.code_for(token))
    assert code in plain and "/start" in plain
    assert code in html and "<svg" in html
