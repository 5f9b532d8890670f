"""The urgent notice on Today: stays on top after a red flag until a clinician acknowledges it,
then says when the clinic saw it (times in the patient's zone)."""

import html as html_lib
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from recovery.extensions import db
from recovery.models import Alert, utcnow
from recovery.services import alerts

from .conftest import csrf_token
from .test_patient_pages import ANSWERS


def _submit(client, **changes):
    data = {**ANSWERS, **changes, "csrf_token": csrf_token(client, "/patient/checkin")}
    return client.post("/patient/checkin", data=data)


def _today(client) -> str:
    response = client.get("/patient/")
    assert response.status_code == 200
    return html_lib.unescape(response.get_data(as_text=True))


def _clock(value, tz) -> str:
    """The local time as the page writes it, e.g. 3:40 PM (the hour without a leading zero)."""
    local = value.astimezone(ZoneInfo(tz))
    return f"{local.hour % 12 or 12}:{local.minute:02d}"


def _first(html: str, testid: str) -> int:
    return html.index(f'data-testid="{testid}"')


@pytest.fixture
def patient(make_patient, login):
    p = make_patient(name="Ada Lovelace", tz="America/Los_Angeles")
    login(p.user)
    return p


def test_no_red_flag_no_notice(client, patient):
    _submit(client)
    page = _today(client)
    assert 'data-testid="urgent-notice"' not in page and 'data-testid="notice-seen"' not in page
    assert "Today's check-in is done" in page


def test_chest_pain_keeps_911_on_top_of_today_until_acknowledged_then_says_when_seen(
        client, patient, make_user):
    _submit(client, flag_chest="yes")
    alert = db.session.scalar(select(Alert).where(Alert.patient_id == patient.id))
    page = _today(client)
    notice = page[_first(page, "urgent-notice"):]
    assert _first(page, "urgent-notice") < _first(page, "checkin-status")  # above the check-in
    assert 'href="tel:911"' in notice.split("</section>")[0]
    told = re.search(r'data-testid="notice-told">(.*?)</p>', notice, re.S).group(1)
    assert "chest pain or shortness of breath" in told
    assert _clock(alert.created_at, "America/Los_Angeles") in told and ("PST" in told or "PDT" in told)
    assert "opening hours" in told
    assert "Today's check-in is done" not in page and ">Done<" not in page  # never "all done" while open
    assert "watching" not in notice.lower()

    seen_at = utcnow() + timedelta(minutes=25)
    alerts.acknowledge(alert.id, make_user("clinician"), "Phoned; sent to ER.", seen_at)
    db.session.commit()
    page = _today(client)
    assert 'data-testid="urgent-notice"' not in page
    seen = page[_first(page, "notice-seen"):].split("</section>")[0]
    assert "The clinic saw it at" in seen
    assert _clock(seen_at, "America/Los_Angeles") in seen.split("The clinic saw it at")[1]
    assert "Today's check-in is done" in page


def test_other_flag_shows_both_clinic_numbers_and_stays_while_any_alert_is_open(
        app, client, patient, make_user):
    _submit(client, flag_calf="yes", flag_infection="yes")
    first, second = db.session.scalars(select(Alert).where(Alert.patient_id == patient.id)).all()
    alerts.acknowledge(first.id, make_user("clinician"), "Seen.", utcnow())
    db.session.commit()
    page = _today(client)
    notice = page[_first(page, "urgent-notice"):].split("</section>")[0]
    assert app.config["CLINIC_PHONE_DAY"] in notice and app.config["CLINIC_PHONE_AFTER_HOURS"] in notice
    assert 'href="tel:911"' not in notice.split("If you have not called yet")[0]


def test_the_seen_notice_goes_away_after_a_week(client, patient, make_user):
    _submit(client, flag_neuro="yes")
    alert = db.session.scalar(select(Alert).where(Alert.patient_id == patient.id))
    alerts.acknowledge(alert.id, make_user("clinician"), "Seen.", utcnow() - timedelta(days=8))
    db.session.commit()
    page = _today(client)
    assert 'data-testid="notice-seen"' not in page and 'data-testid="urgent-notice"' not in page


def test_notice_in_spanish(client, patient):
    patient.preferred_language = "es"
    db.session.commit()
    _submit(client, flag_chest="yes")
    page = _today(client)
    notice = page[_first(page, "urgent-notice"):].split("</section>")[0]
    assert "Nos dijo" in notice and "horario de atención" in notice
