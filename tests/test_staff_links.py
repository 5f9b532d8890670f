"""Staff issue set-password links and print the letter for patients without e-mail."""

import re
from datetime import timedelta

from sqlalchemy import select

from recovery.extensions import db
from recovery.models import AuditEvent, SetPasswordToken, utcnow
from recovery.services import accounts

from .conftest import csrf_token


def issue(client, patient):
    page = f"/staff/patients/{patient.id}"
    return client.post(f"{page}/link", data={"csrf_token": csrf_token(client, page)})


def link_path(html: str) -> str:
    [path] = set(re.findall(r"http://localhost(/set-password/[A-Za-z0-9_-]+)", html))
    return path


def letter(html: str) -> str:
    match = re.search(r'<section class="staff-letter".*?</section>', html, re.S)
    assert match, "no printable letter on the page"
    return match.group(0)


def test_an_issued_link_invalidates_the_older_one(client, make_user, login, make_patient):
    login(make_user("staff"))
    patient = make_patient()
    first = link_path(issue(client, patient).get_data(as_text=True))
    second = link_path(issue(client, patient).get_data(as_text=True))
    assert first != second
    assert client.get(first).status_code == 404  # "This link has expired or was already used"
    assert client.get(second).status_code == 200


def test_letter_shows_the_record_number_as_login_when_there_is_no_email(
    client, make_user, login, make_patient
):
    login(make_user("staff"))
    patient = make_patient(procedure=False, name="Walter Kim", tz="America/New_York")
    patient.user.email = None  # signs in with the record number
    patient.user.password_hash = None  # never signed in: an invite, not a reset
    db.session.commit()
    response = issue(client, patient)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    text = letter(html)
    assert "Spine Recovery Clinic" in text and "Dear Walter Kim" in text
    assert patient.record_number in text and "@" not in text
    assert link_path(html) in text
    assert re.search(r"E[SD]T", text)  # the expiry in the patient's own time zone
    assert "call 911" in text
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action.like("patient.%_link"))) == (
        "patient.invite_link"
    )


def test_letter_shows_the_email_as_login_when_there_is_one(client, make_user, login, make_patient):
    login(make_user("staff"))
    patient = make_patient(email="walter@example.org")
    text = letter(issue(client, patient).get_data(as_text=True))
    assert "walter@example.org" in text


def test_link_for_a_patient_with_a_password_is_a_reset_valid_for_72_hours(
    client, make_user, login, make_patient
):
    login(make_user("staff"))
    patient = make_patient()
    issue(client, patient)
    row = db.session.scalar(select(SetPasswordToken).where(SetPasswordToken.user_id == patient.user_id))
    assert row.purpose == "reset"
    assert row.expires_at - row.created_at == timedelta(hours=72)


def test_patient_page_shows_whether_the_invite_is_pending_or_expired(client, make_user, login, make_patient):
    login(make_user("staff"))
    patient = make_patient(procedure=False)
    patient.user.password_hash = None
    db.session.commit()
    page = f"/staff/patients/{patient.id}"
    assert "Invite expired" in client.get(page).get_data(as_text=True)
    accounts.issue_set_password_token(patient.user, utcnow())
    db.session.commit()
    html = client.get(page).get_data(as_text=True)
    assert "Invite pending" in html and "Issue a new invite link" in html


def test_the_letter_carries_a_qr_code_and_the_grouped_short_code(client, make_user, login, make_patient):
    from recovery import short_codes

    login(make_user("staff"))
    patient = make_patient()
    html = issue(client, patient).get_data(as_text=True)
    token = link_path(html).rsplit("/", 1)[1]
    printed = letter(html)
    assert "<svg" in printed and 'class="qr"' in printed
    assert short_codes.grouped(short_codes.code_for(token)) in printed
    assert "/start" in printed
