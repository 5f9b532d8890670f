"""Mobile numbers and consent to texts: staff record them at enrolment, patients choose texts,
e-mail or both in Settings; a malformed number is refused by its field and nothing is written."""

import html as html_lib
import re

from sqlalchemy import func, select

from recovery.extensions import db
from recovery.models import Patient, SmsOptOut, utcnow
from recovery.reminders import texts

from .conftest import csrf_token
from .test_staff_enrolment import ENROL, enrolment


def _error_next_to(html: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="{field}-error"[^>]*>([^<]*)</p>', html_lib.unescape(html))
    return match.group(1) if match else ""


def _enrol(client, **overrides):
    return client.post(ENROL, data={**enrolment(**overrides), "csrf_token": csrf_token(client, ENROL)})


def _patients() -> int:
    return db.session.scalar(select(func.count(Patient.id)))


def test_staff_record_a_mobile_number_and_consent_at_enrolment(app, client, login, make_user):
    staff = login(make_user("staff"))
    response = _enrol(client, mobile="(312) 555-0123", sms_consent="verbal")
    assert response.status_code in (200, 302), response.get_data(as_text=True)
    patient = db.session.scalar(select(Patient))
    assert patient.mobile == "+13125550123"  # E.164, read in the clinic's country
    assert patient.sms_consent_method == "verbal" and patient.sms_consent_by_id == staff.id
    assert patient.sms_consent_at is not None
    assert patient.sms_reminders  # no e-mail: texts by default
    page = client.get(f"/staff/patients/{patient.id}").get_data(as_text=True)
    assert "+13125550123" in page and "consent (verbal)" in page


def test_with_an_email_address_texts_are_the_patients_choice(app, client, login, make_user):
    login(make_user("staff"))
    _enrol(client, mobile="+1 312 555 0124", sms_consent="written", email="rosa@example.org")
    patient = db.session.scalar(select(Patient))
    assert patient.mobile == "+13125550124" and patient.sms_consent_method == "written"
    assert not patient.sms_reminders


def test_a_malformed_mobile_number_is_refused_by_its_field_and_nothing_is_written(app, client, login, make_user):
    login(make_user("staff"))
    for bad in ("12345", "312-555-01", "not a number", "+1 999 555 0123"):
        response = _enrol(client, mobile=bad, sms_consent="verbal")
        assert response.status_code == 400
        assert "mobile number" in _error_next_to(response.get_data(as_text=True), "mobile")
    assert _patients() == 0


def test_consent_without_a_mobile_number_is_refused(app, client, login, make_user):
    login(make_user("staff"))
    response = _enrol(client, mobile="", sms_consent="verbal")
    assert response.status_code == 400 and _error_next_to(response.get_data(as_text=True), "sms_consent")
    assert _patients() == 0


def test_a_number_that_opted_out_before_enrolment_stays_opted_out(app, client, login, make_user):
    db.session.add(SmsOptOut(number="+13125550125", opted_out_at=utcnow(), source="keyword", keyword="STOP"))
    db.session.commit()
    login(make_user("staff"))
    _enrol(client, mobile="312 555 0125", sms_consent="verbal")
    assert db.session.scalar(select(Patient)).sms_opted_out


def _save_settings(client, **changes):
    data = {"email_reminders": "yes", "reminder_time": "18:00", "timezone": "America/Chicago",
            "preferred_language": "en", **changes, "csrf_token": csrf_token(client, "/patient/settings")}
    return client.post("/patient/settings", data=data)


def test_patients_choose_texts_in_settings_which_records_their_consent(app, client, login, make_patient):
    patient = make_patient()
    login(patient.user)
    assert _save_settings(client, mobile="(219) 555-0131", sms_reminders="yes").status_code == 302
    db.session.expire_all()
    assert patient.mobile == "+12195550131" and patient.sms_reminders and patient.email_reminders  # both
    assert patient.sms_consent_method == "settings" and patient.sms_consent_by_id == patient.user_id
    _save_settings(client, mobile="(219) 555-0131", sms_reminders="yes", email_reminders="no")  # texts only
    db.session.expire_all()
    assert patient.sms_reminders and not patient.email_reminders


def test_a_malformed_number_in_settings_is_refused_by_its_field(app, client, login, make_patient):
    patient = make_patient(mobile="+12195550132")
    login(patient.user)
    response = _save_settings(client, mobile="555-01", sms_reminders="yes", preferred_language="es")
    assert response.status_code == 400
    assert "mobile number" in _error_next_to(response.get_data(as_text=True), "mobile")
    db.session.expire_all()
    assert patient.mobile == "+12195550132" and not patient.sms_reminders and patient.preferred_language == "en"
    response = _save_settings(client, mobile="", sms_reminders="yes")
    assert response.status_code == 400 and _error_next_to(response.get_data(as_text=True), "mobile")


def test_staff_fix_a_failing_number_which_ends_the_pause(app, client, login, make_user, make_patient):
    staff = login(make_user("staff"))
    patient = make_patient(mobile="+12195550140", sms_consent_at=utcnow(), sms_consent_method="verbal",
                           sms_reminders=True)
    texts.pause(patient.id, utcnow(), "undelivered 30003")  # what a permanent failure does
    db.session.commit()
    assert "Texts to this patient's mobile number fail" in html_lib.unescape(client.get("/staff/").get_data(as_text=True))
    page = client.get(f"/staff/patients/{patient.id}").get_data(as_text=True)
    assert "Texts to this number failed and are paused" in page
    url = f"/staff/patients/{patient.id}/texts"
    token = csrf_token(client, f"/staff/patients/{patient.id}")
    refused = client.post(url, data={"mobile": "219-555", "sms_consent": "verbal", "csrf_token": token},
                          follow_redirects=True)
    assert "mobile number" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert patient.mobile == "+12195550140" and patient.sms_paused_at is not None  # nothing changed
    client.post(url, data={"mobile": "(219) 555-0141", "sms_consent": "written", "csrf_token": token})
    db.session.expire_all()
    assert patient.mobile == "+12195550141" and patient.sms_paused_at is None
    assert patient.sms_consent_method == "written" and patient.sms_consent_by_id == staff.id
    client.post(url, data={"mobile": "(219) 555-0141", "sms_consent": "", "csrf_token": token})
    db.session.expire_all()
    assert patient.sms_consent_at is None and not patient.sms_reminders  # consent withdrawn: no texts


def test_settings_say_when_the_number_opted_out(app, client, login, make_patient):
    patient = make_patient(mobile="+12195550133", sms_consent_at=utcnow(), sms_consent_method="verbal",
                           sms_reminders=True, sms_opted_out=True)
    login(patient.user)
    page = html_lib.unescape(client.get("/patient/settings").get_data(as_text=True))
    assert "reply START to any text" in page


def test_the_clinics_country_reads_numbers_without_a_country_code(app):
    import pytest

    from recovery.config import ConfigError, check_country
    from recovery.services.validate import Fields

    assert check_country("mx") == "MX"
    with pytest.raises(ConfigError, match="CLINIC_COUNTRY"):
        check_country("Mexico")
    fields = Fields({"mobile": "55 1234 5678"})
    assert fields.mobile("mobile", "MX") == "+525512345678" and not fields.errors
