"""Staff find patients, see contact and scheduling data, take check-ins by phone, discharge."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from recovery.display import local_datetime
from recovery.extensions import db
from recovery.models import Alert, Appointment, AuditEvent, CheckIn, utcnow
from recovery.services.checkins import save_checkin
from recovery.services.errors import ValidationError
from tests.answers import checkin_answers

from .conftest import csrf_token, statements

ANSWERS = checkin_answers(form=True, pain_now=3, worst_pain=5, walking_level=3, minutes_upright=45, note='Feeling better')


@pytest.fixture
def staff(make_user, login):
    return login(make_user("staff"))


def phone_checkin(client, patient, **overrides):
    url = f"/staff/patients/{patient.id}/checkin"
    return client.post(url, data={**ANSWERS, **overrides, "csrf_token": csrf_token(client, url)})


def listed_names(html: str) -> list[str]:
    return re.findall(r'<a href="/staff/patients/\d+">([^<]+)</a>', html)


def test_search_finds_patients_by_name_and_record_number(client, staff, make_patient):
    make_patient(name="Maria Gonzalez", record_number="MRN-4411")
    make_patient(name="John Okafor", record_number="MRN-9020", phone="312-555-0101")
    assert listed_names(client.get("/staff/").get_data(as_text=True)) == ["John Okafor", "Maria Gonzalez"]
    assert listed_names(client.get("/staff/?q=gonz").get_data(as_text=True)) == ["Maria Gonzalez"]
    assert listed_names(client.get("/staff/?q=mrn-9020").get_data(as_text=True)) == ["John Okafor"]
    assert listed_names(client.get("/staff/?q=312-555").get_data(as_text=True)) == ["John Okafor"]
    html = client.get("/staff/?q=nobody").get_data(as_text=True)
    assert listed_names(html) == [] and "No patient matches" in html
    assert listed_names(client.get("/staff/?q=%25").get_data(as_text=True)) == []  # "%" is not a wildcard


def test_patient_list_shows_contact_latest_procedure_and_status(client, staff, make_patient):
    make_patient(name="Maria Gonzalez", email="maria@example.org", discharged=True)
    html = client.get("/staff/").get_data(as_text=True)
    for shown in (
        "Maria Gonzalez",
        "MRN-0001",
        "219-555-0142",
        "maria@example.org",
        "Kyphoplasty",
        "Discharged",
        "Enrol a new patient",
    ):
        assert shown in html


def patient_row(html: str, name: str) -> str:
    [row] = [row for row in re.findall(r"<tr>.*?</tr>", html, re.S) if f">{name}</a>" in row]
    return row


def test_patient_list_shows_the_next_scheduled_visit_in_clinic_time(app, client, staff, make_patient):
    now = utcnow()
    booked = make_patient(name="Ana Booked", performed_at=now - timedelta(days=10))
    procedure = booked.procedures[0]
    soon, later = now + timedelta(days=4, hours=3), now + timedelta(days=9)
    for when, status in ((now + timedelta(days=1), "cancelled"), (later, "scheduled"), (soon, "scheduled"),
                         (now - timedelta(days=1), "scheduled")):
        db.session.add(Appointment(patient_id=booked.id, procedure_id=procedure.id, kind="follow_up",
                                   scheduled_for=when, status=status))
    make_patient(name="Ben Unbooked", performed_at=now - timedelta(days=10))  # 72-hour check is past
    db.session.commit()
    html = client.get("/staff/").get_data(as_text=True)
    assert "Next visit" in html
    with app.test_request_context():
        expected = local_datetime(soon)
    assert expected.endswith(("CST", "CDT")) and expected in patient_row(html, "Ana Booked")
    assert "none booked" in patient_row(html, "Ben Unbooked")


def test_patient_list_costs_the_same_statements_for_5_or_20_patients(client, staff, make_patient):
    def count() -> int:
        with statements() as seen:
            assert client.get("/staff/").status_code == 200
        return len(seen)

    for _ in range(5):
        make_patient()
    few = count()
    for _ in range(15):
        make_patient()
    assert count() == few


def test_staff_patient_view_writes_an_audit_event(client, staff, make_patient):
    patient = make_patient()
    assert client.get(f"/staff/patients/{patient.id}").status_code == 200
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "patient.view"))
    assert (event.actor_id, event.patient_id) == (staff.id, patient.id)


def test_staff_patient_page_shows_contact_and_schedule_but_no_pain_scores(client, staff, make_patient):
    patient = make_patient(baseline_pain=9, caregiver_name="Ines Ruiz", caregiver_phone="219-555-0999")
    save_checkin(patient, {**ANSWERS, "pain_now": "7", "worst_pain": "8", "flag_calf": "yes"}, utcnow())
    db.session.commit()
    html = client.get(f"/staff/patients/{patient.id}").get_data(as_text=True)
    for shown in (
        "MRN-0001",
        "219-555-0142",
        "Ines Ruiz",
        "219-555-0999",
        "Kyphoplasty",
        "L1",
        "Outpatient",
        "72-hour check",
        "Password set",
        "America/Chicago",
    ):
        assert shown in html
    assert "pain" not in html.lower()
    assert "calf" not in html.lower()  # red flags stay on clinician pages


def test_unknown_patient_is_not_found(client, staff):
    assert client.get("/staff/patients/999999").status_code == 404


def test_phone_checkin_records_who_entered_it_and_is_audited(client, staff, make_patient):
    patient = make_patient()
    response = phone_checkin(client, patient)
    assert response.status_code == 200
    assert "Check-in saved" in response.get_data(as_text=True)
    checkin = db.session.scalar(select(CheckIn))
    assert (checkin.entered_by_id, checkin.pain_now, checkin.note) == (staff.id, 3, "Feeling better")
    assert db.session.scalar(select(func.count(Alert.id))) == 0
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert "checkin.phone_entry" in actions


def test_phone_checkin_with_chest_pain_tells_staff_to_have_the_patient_call_911(client, staff, make_patient):
    patient = make_patient()
    html = phone_checkin(client, patient, flag_chest="yes").get_data(as_text=True)
    assert "Tell the patient to call 911 now." in html
    assert "Chest pain or shortness of breath" in html
    alert = db.session.scalar(select(Alert))
    assert (alert.patient_id, alert.detail, alert.severity) == (patient.id, "flag_chest", "urgent")


def test_phone_checkin_with_neurological_signs_tells_the_patient_to_call_the_clinic_now(
    client, staff, make_patient
):
    patient = make_patient()
    html = phone_checkin(client, patient, flag_neuro="yes").get_data(as_text=True)
    assert "Tell the patient to call the clinic now." in html and "911 now" not in html
    assert "(219) 555-0100" in html and "emergency room" in html
    assert db.session.scalar(select(Alert.detail)) == "flag_neuro"


def test_phone_checkin_with_calf_swelling_tells_the_patient_to_call_the_clinic_today(
    client, staff, make_patient
):
    patient = make_patient()
    html = phone_checkin(client, patient, flag_calf="yes").get_data(as_text=True)
    assert "Tell the patient to call the clinic today." in html
    assert "New calf pain or swelling" in html and "clinicians have been alerted" in html


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"pain_now": "11"}, "pain_now"),
        ({"walking_level": "7"}, "walking_level"),
        ({"medication": "morphine-drip"}, "medication"),
        ({"flag_chest": ""}, "flag_chest"),
        ({"pain_now": "6", "worst_pain": "2"}, "worst_pain"),
    ],
)
def test_bad_phone_checkin_is_refused_and_nothing_written(client, staff, make_patient, overrides, field):
    patient = make_patient()
    response = phone_checkin(client, patient, **overrides)
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(CheckIn.id))) == 0


def test_red_flag_is_saved_and_guidance_shows_even_when_another_answer_is_wrong(client, staff, make_patient):
    patient = make_patient()
    response = phone_checkin(client, patient, flag_chest="yes", pain_now="11")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Tell the patient to call 911 now." in html
    assert "The red flag is saved and the clinicians have been alerted." in html
    assert 'id="pain_now-error"' in html
    checkin = db.session.scalar(select(CheckIn))
    assert checkin.flag_chest is True and checkin.pain_now is None and not checkin.complete
    assert db.session.scalar(select(func.count(Alert.id))) == 1


def test_discharge_stops_patient_checkins(client, staff, make_patient):
    patient = make_patient()
    page = f"/staff/patients/{patient.id}"
    response = client.post(f"{page}/discharge", data={"csrf_token": csrf_token(client, page)})
    assert response.status_code == 302 and response.headers["Location"].endswith(page)
    html = client.get(page).get_data(as_text=True)
    assert "is discharged from follow-up" in html and "Discharge " not in html
    with pytest.raises(ValidationError):
        save_checkin(patient, ANSWERS, utcnow())
    db.session.rollback()
    response = phone_checkin(client, patient)
    assert response.status_code == 400
    assert "This patient is discharged: check-ins are closed." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(CheckIn.id))) == 0


def test_staff_forms_need_the_csrf_token(client, staff, make_patient):
    patient = make_patient()
    assert client.post(f"/staff/patients/{patient.id}/discharge").status_code == 400
    assert client.post(f"/staff/patients/{patient.id}/checkin", data=ANSWERS).status_code == 400
    db.session.refresh(patient)
    assert not patient.discharged
    assert db.session.scalar(select(func.count(CheckIn.id))) == 0
