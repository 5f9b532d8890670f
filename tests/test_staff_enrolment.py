"""Staff enrol patients: the account, the one-time link, and refusals that write nothing."""

import re

import pytest
from sqlalchemy import func, select

from recovery.extensions import db
from recovery.models import AuditEvent, Patient, SetPasswordToken, User

from .conftest import csrf_token

ENROL = "/staff/patients/new"


def enrolment(**overrides) -> dict:
    data = {
        "display_name": "Rosa Díaz",
        "record_number": "MRN-7001",
        "date_of_birth": "1946-05-17",
        "phone": "(219) 555-0177",
        "email": "",
        "caregiver_name": "Luis Díaz",
        "caregiver_phone": "219-555-0178",
        "preferred_language": "es",
        "timezone": "America/Chicago",
        "clinician_id": "",
    }
    data.update(overrides)
    return data


def post_enrolment(client, **overrides):
    return client.post(ENROL, data={**enrolment(**overrides), "csrf_token": csrf_token(client, ENROL)})


def set_password_link(html: str) -> str:
    match = re.search(r"http://localhost(/set-password/[A-Za-z0-9_-]+)", html)
    assert match, "no set-password link on the page"
    return match.group(1)


def error_next_to(html: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="{field}-error"[^>]*>([^<]*)</p>', html)
    return match.group(1) if match else ""


def counts() -> tuple[int, int]:
    return (db.session.scalar(select(func.count(Patient.id))), db.session.scalar(select(func.count(User.id))))


@pytest.fixture
def staff(make_user, login):
    return login(make_user("staff"))


def test_enrolling_creates_patient_and_account_and_a_working_set_password_link(client, staff):
    before = counts()
    response = post_enrolment(client)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Rosa Díaz is enrolled" in html
    assert response.headers["Cache-Control"] == "no-store"
    assert counts() == (before[0] + 1, before[1] + 1)
    patient = db.session.scalar(select(Patient).where(Patient.record_number == "MRN-7001"))
    assert (patient.user.role, patient.email, patient.preferred_language) == ("patient", None, "es")
    assert patient.caregiver_name == "Luis Díaz"
    assert (
        db.session.scalar(select(AuditEvent.action).where(AuditEvent.patient_id == patient.id))
        == "patient.enrol"
    )

    # The patient follows the link, chooses a password and signs in with the record number.
    client.post("/logout", data={"csrf_token": csrf_token(client, "/staff/")})
    link = set_password_link(html)
    assert client.get(link).status_code == 200
    response = client.post(
        link,
        data={
            "password": "a-new-password-1",
            "confirm": "a-new-password-1",
            "csrf_token": csrf_token(client, link),
        },
    )
    assert response.status_code == 302
    response = client.post(
        "/login",
        data={
            "login": "MRN-7001",
            "password": "a-new-password-1",
            "csrf_token": csrf_token(client, "/login"),
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/patient/")


def test_enrolling_with_email_makes_the_email_the_login(client, staff):
    html = post_enrolment(client, email="Rosa.Diaz@Example.org").get_data(as_text=True)
    assert "rosa.diaz@example.org" in html
    patient = db.session.scalar(select(Patient).where(Patient.record_number == "MRN-7001"))
    assert patient.email == "rosa.diaz@example.org"


def test_enrol_form_defaults_to_clinic_time_zone_and_lists_active_clinicians(client, staff, make_user):
    make_user("clinician", name="Dr Ana Ortiz")
    make_user("clinician", name="Dr Gone", active=False)
    html = client.get(ENROL).get_data(as_text=True)
    assert 'value="America/Chicago"' in html
    assert "Dr Ana Ortiz" in html and "Dr Gone" not in html


def _zone_options(html: str, field: str) -> list[tuple[str, str]]:
    select_html = re.search(rf'<select id="{field}" name="{field}".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="([^"]+)"[^>]*>([^<]*)</option>', select_html)


def test_the_time_zone_is_chosen_from_the_list_patients_get(client, staff, make_patient, login):
    enrol_zones = _zone_options(client.get(ENROL).get_data(as_text=True), "timezone")
    assert ("America/Chicago", "Central time (Chicago)") in enrol_zones
    assert 'selected>Central time (Chicago)' in client.get(ENROL).get_data(as_text=True)
    login(make_patient().user)
    assert _zone_options(client.get("/patient/settings").get_data(as_text=True), "timezone") == enrol_zones


def test_a_refused_enrolment_keeps_an_unlisted_zone_in_the_list(client, staff):
    html = post_enrolment(client, timezone="Europe/Madrid", phone="call me").get_data(as_text=True)
    assert _zone_options(html, "timezone")[0] == ("Europe/Madrid", "Europe/Madrid")
    assert '<option value="Europe/Madrid" selected>' in html


def test_assigned_clinician_shows_on_the_patient_page(client, staff, make_user):
    clinician = make_user("clinician", name="Dr Ana Ortiz")
    post_enrolment(client, clinician_id=str(clinician.id))
    patient = db.session.scalar(select(Patient).where(Patient.record_number == "MRN-7001"))
    assert patient.clinician_id == clinician.id
    assert "Dr Ana Ortiz" in client.get(f"/staff/patients/{patient.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"email": "taken@example.org"}, "email", "An account with this e-mail already exists."),
        ({"record_number": "MRN-0001"}, "record_number", "A patient with this record number already exists."),
        ({"record_number": "mrn-0001"}, "record_number", "A patient with this record number already exists."),
        ({"date_of_birth": "1946-02-30"}, "date_of_birth", "Please enter a real date (YYYY-MM-DD)."),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth", "Please enter a date of birth in the past."),
        ({"phone": "call me"}, "phone", "Please enter a phone number (digits, spaces, + - ( ) only)."),
        ({"display_name": ""}, "display_name", "This field is required."),
        ({"timezone": "Mars/Olympus"}, "timezone", "Please choose a valid time zone."),
        ({"clinician_id": "{staff}"}, "clinician_id", "Please choose one of the clinic"),  # not a clinician
    ],
)
def test_bad_enrolment_is_refused_with_the_message_next_to_the_field_and_nothing_written(
    client, staff, make_patient, make_user, overrides, field, message
):
    make_patient(email="taken@example.org", procedure=False)  # holds MRN-0001 and the e-mail
    overrides = {k: v.format(staff=staff.id) for k, v in overrides.items()}
    before = counts()
    response = post_enrolment(client, **overrides)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert error_next_to(html, field).startswith(message)
    assert "Nothing was saved" in html
    assert counts() == before
    assert 'value="Luis Díaz"' in html  # what was typed is kept


def test_enrolment_without_csrf_token_is_refused(client, staff):
    before = counts()
    assert client.post(ENROL, data=enrolment()).status_code == 400
    assert counts() == before


def test_enrolment_token_is_stored_only_as_a_hash(client, staff):
    html = post_enrolment(client).get_data(as_text=True)
    token = set_password_link(html).rsplit("/", 1)[1]
    hashes = list(db.session.scalars(select(SetPasswordToken.token_hash)))
    assert len(hashes) == 1 and token not in hashes[0]


def test_record_number_taken_meanwhile_is_a_message_not_a_server_error(
    client, staff, make_patient, monkeypatch
):
    from recovery.services import enrolment as service

    make_patient(procedure=False)  # holds MRN-0001
    monkeypatch.setattr(service, "_record_number_taken", lambda number: False)  # the check lost the race
    before = counts()
    response = post_enrolment(client, record_number="MRN-0001")
    assert response.status_code == 400
    assert "already exists" in error_next_to(response.get_data(as_text=True), "record_number")
    assert counts() == before
