"""Links in reminder e-mails: the one-time check-in link and the unsubscribe link."""

import re
from datetime import timedelta

from sqlalchemy import func, select

from recovery.extensions import db
from recovery.models import CheckIn, utcnow
from recovery.reminders import links
from recovery.services.checkins import local_today
from tests.answers import checkin_answers

from .conftest import csrf_token

ANSWERS = checkin_answers(form=True, pain_now=3, worst_pain=5, walking_level=3, minutes_upright=30)


def _checkins(patient) -> int:
    return db.session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.patient_id == patient.id))


def test_checkin_link_opens_todays_checkin_once_without_a_password(client, make_patient):
    patient = make_patient()
    now = utcnow()
    token = links.issue_checkin_link(patient, local_today(patient, now), now)
    db.session.commit()
    url = f"/c/{token}"
    page = client.get(url)
    assert page.status_code == 200
    assert patient.name in page.get_data(as_text=True)
    response = client.post(url, data={**ANSWERS, "csrf_token": csrf_token(client, url)})
    assert response.status_code == 200
    assert "Your check-in for today is saved" in response.get_data(as_text=True)
    assert _checkins(patient) == 1
    # Used once: the link is now refused and nothing more is written.
    again = client.get(url)
    assert again.status_code == 404
    assert "expired or was already used" in again.get_data(as_text=True)
    assert client.post(url, data=ANSWERS).status_code in (400, 404)
    assert _checkins(patient) == 1
    # The link signed nobody in.
    assert client.get("/patient/").status_code == 302


def test_checkin_link_is_refused_after_24_hours_and_for_another_day(client, make_patient):
    patient = make_patient()
    now = utcnow()
    stale = links.issue_checkin_link(patient, local_today(patient, now), now - timedelta(hours=25))
    yesterday = links.issue_checkin_link(patient, local_today(patient, now) - timedelta(days=1),
                                         now - timedelta(hours=1))
    db.session.commit()
    for token in (stale, yesterday, "made-up-token"):
        assert client.get(f"/c/{token}").status_code == 404
    assert _checkins(patient) == 0


def test_links_issued_in_bulk_for_a_batch_of_emails_last_24_hours_like_one_issued_alone(app, make_patient):
    # The dispatcher issues a batch's links in one insert (on PostgreSQL, its own SQL): the stored
    # times must be the same instants, so a link opens until 24 hours and not a minute after.
    patients = [make_patient(), make_patient()]
    issued = utcnow() - timedelta(hours=23, minutes=59)
    tokens = links.issue_checkin_links([(p.id, local_today(p, issued)) for p in patients], issued)
    db.session.commit()
    assert [links.checkin_link(t, issued + timedelta(hours=24) - timedelta(seconds=1)) is not None
            for t in tokens] == [True, True]
    assert [links.checkin_link(t, issued + timedelta(hours=24)) for t in tokens] == [None, None]


def test_checkin_link_with_bad_answers_shows_errors_and_stays_usable(client, make_patient):
    patient = make_patient()
    now = utcnow()
    token = links.issue_checkin_link(patient, local_today(patient, now), now)
    db.session.commit()
    url = f"/c/{token}"
    bad = client.post(url, data={**ANSWERS, "pain_now": "11", "csrf_token": csrf_token(client, url)})
    assert bad.status_code == 400
    assert "whole number from 0 to 10" in bad.get_data(as_text=True)
    assert _checkins(patient) == 0
    assert client.get(url).status_code == 200


def test_unsubscribe_link_turns_email_reminders_off(client, make_patient):
    patient = make_patient()
    token = links.unsubscribe_token(patient)
    url = f"/unsubscribe/{token}"
    assert client.get(url).status_code == 200
    response = client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 200
    assert "Reminder e-mails are off" in response.get_data(as_text=True)
    assert patient.email_reminders is False


def test_tampered_unsubscribe_token_is_refused_without_saying_whose(client, make_patient):
    patient = make_patient()
    token = links.unsubscribe_token(patient)
    tampered = token[:-3] + ("abc" if not token.endswith("abc") else "xyz")
    response = client.get(f"/unsubscribe/{tampered}")
    assert response.status_code == 404
    assert patient.name not in response.get_data(as_text=True)
    assert patient.email_reminders is True


def test_the_link_in_a_real_nudge_email_opens_the_checkin(client, make_patient, smtp_sink):
    from datetime import time

    from recovery.jobs import dispatch_due

    now = utcnow()
    # A zone where it is midday now, so quiet hours never hold this test's nudge.
    offset = (12 - now.hour + 12) % 24 - 12
    zone = f"Etc/GMT{'-' if offset >= 0 else '+'}{abs(offset)}"
    patient = make_patient(performed_at=now - timedelta(days=6), recorded_at=now - timedelta(days=6),
                           tz=zone)
    patient.reminder_time = time(9, 0)
    db.session.commit()
    dispatch_due(now)
    mails = [m for m in smtp_sink.messages if m["To"] == patient.user.email]
    assert [m["Subject"] for m in mails] == ["Time for today's check-in"]
    body = mails[0].get_body(("plain",)).get_content()
    path = re.search(r"http://localhost(/c/[\w-]+)", body).group(1)
    page = client.get(path)
    assert page.status_code == 200 and patient.name in page.get_data(as_text=True)


def test_a_deactivated_patients_emailed_checkin_link_says_so_and_stores_nothing(client, make_patient):
    patient = make_patient()
    now = utcnow()
    token = links.issue_checkin_link(patient, local_today(patient, now), now)
    db.session.commit()
    url = f"/c/{token}"
    csrf = csrf_token(client, url)  # the patient opened the e-mail's link while the account was open
    patient.user.active = False  # then the clinic closed the account
    db.session.commit()
    for response in (client.get(url), client.post(url, data={**ANSWERS, "csrf_token": csrf})):
        assert response.status_code == 403
        assert "This Recovery account is no longer active" in response.get_data(as_text=True)
    assert _checkins(patient) == 0
    assert db.session.get(links.CheckinLink, _link_id(token)).used_at is None


def _link_id(token: str) -> int:
    return db.session.scalar(select(links.CheckinLink.id).where(links.CheckinLink.token_hash == links._hash(token)))
