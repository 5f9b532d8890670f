"""What the form fuzzing found, pinned as plain tests so it cannot come back."""

from sqlalchemy import func, select

from recovery.extensions import db
from recovery.models import Appointment
from tests.answers import checkin_answers

from .conftest import client_as


def test_a_visit_in_year_9999_is_refused_with_a_message_not_a_crash(app, world):
    users, ids = world
    client = client_as(app, users, "staff")
    before = db.session.scalar(select(func.count()).select_from(Appointment))
    response = client.post(f"/staff/patients/{ids['patient_a']}/appointments",
                           data={"kind": "follow_up", "scheduled_for": "9999-12-31T23:59"})
    assert response.status_code == 400
    assert "Please enter a real date and time" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Appointment)) == before


def test_acknowledging_an_alert_twice_says_it_was_already_acknowledged(app, world):
    users, ids = world
    client = client_as(app, users, "clinician")
    url = f"/clinic/alerts/{ids['alert_a']}/ack"
    assert client.post(url, data={"note": "Called the patient."}).status_code == 302
    again = client.post(url, data={"note": "Called again."}, follow_redirects=True)
    html = again.get_data(as_text=True)
    assert f"This alert was already acknowledged by {users['clinician'].display_name} at " in html
    assert "Called the patient." in html and "Called again." in html  # both notes kept


def test_a_nul_character_anywhere_is_refused_with_a_message_on_every_database(app, world):
    users, ids = world
    client = client_as(app, users, "staff")
    for response in (client.get("/staff/", query_string={"q": "\x00"}),
                     client.post(f"/staff/patients/{ids['patient_a']}/appointments",
                                 data={"kind": "follow_up", "scheduled_for": "2026-12-01T10:00\x00"})):
        assert response.status_code == 400
        assert "contains a character that is not allowed" in response.get_data(as_text=True)


def test_a_superscript_digit_in_a_number_field_is_refused_with_a_message_not_a_crash(app, world):
    # "²".isdigit() is true but int("²") raises: numbers are checked with isdecimal().
    users, ids = world
    checkin = checkin_answers(form=True, pain_now="²")
    for actor, send, message in (
        ("patient_a", lambda c: c.post("/patient/checkin", data=checkin), "Please enter a whole number"),
        ("staff", lambda c: c.get("/staff/audit", query_string={"patient": "²"}), "No patient has"),
        ("clinician", lambda c: c.get("/clinic/cohort", query_string={"clinician": "²"}),
         "Please choose a clinician from the list."),
    ):
        response = send(client_as(app, users, actor))
        assert response.status_code == 400, actor
        assert message in response.get_data(as_text=True), actor
