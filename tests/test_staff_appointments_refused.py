"""Staff changes to visits that must be refused: the message is on the page and nothing is written."""

from datetime import timedelta

import pytest

from recovery.models import utcnow
from recovery.services import appointments
from recovery.services.errors import ValidationError

from .test_staff_appointments import book, clinic_time, field, post, snapshot, visit_of


@pytest.fixture
def staff(make_user, login):
    return login(make_user("staff"))


@pytest.fixture
def patient(make_patient):
    return make_patient(name="Maria Gonzalez", tz="America/New_York")


def test_a_future_visit_cannot_be_marked_missed(client, staff, patient):
    book(client, patient, clinic_time(10))
    visit = visit_of(patient)
    before = snapshot()
    response = post(client, patient, f"/staff/appointments/{visit.id}/mark", status="missed")
    assert response.status_code == 400
    assert "marked missed once its time has passed" in response.get_data(as_text=True)
    assert snapshot() == before


BAD_BOOKINGS = [
    ("past", "The visit must be in the future."),
    ("before_procedure", "The visit cannot be before the procedure"),
    ("2026-02-30T10:00", "Please enter a real date and time"),
    ("", "Please enter a date and time."),
    ("far", "more than two years ahead"),
]


@pytest.mark.parametrize("when, message", BAD_BOOKINGS)
def test_bad_booking_is_refused_with_its_message_and_nothing_written(client, staff, patient, when, message):
    values = {
        "past": lambda: field(clinic_time(-1)),
        "before_procedure": lambda: field(patient.current_procedure.performed_at - timedelta(days=1)),
        "far": lambda: field(clinic_time(800)),
    }
    before = snapshot()
    response = post(
        client,
        patient,
        f"/staff/patients/{patient.id}/appointments",
        scheduled_for=values.get(when, lambda: when)(),
        kind="follow_up",
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and 'id="scheduled_for-error"' in html
    assert "Nothing was saved." in html
    assert snapshot() == before


def test_booking_a_72_hour_check_by_hand_is_refused(client, staff, patient):
    before = snapshot()
    response = book(client, patient, clinic_time(3), kind="check_72h")
    assert response.status_code == 400
    assert 'id="kind-error"' in response.get_data(as_text=True)
    assert snapshot() == before


def test_rescheduling_a_cancelled_visit_is_refused_and_nothing_changes(client, staff, patient):
    book(client, patient, clinic_time(10))
    visit = visit_of(patient)
    post(client, patient, f"/staff/appointments/{visit.id}/cancel")
    before = snapshot()
    response = post(
        client, patient, f"/staff/appointments/{visit.id}/reschedule", scheduled_for=field(clinic_time(12))
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "This visit was cancelled and can no longer be changed" in html
    assert "Nothing was changed." in html
    assert snapshot() == before


def test_rescheduling_into_the_past_is_refused_and_nothing_changes(client, staff, patient):
    book(client, patient, clinic_time(10))
    visit = visit_of(patient)
    before = snapshot()
    response = post(
        client, patient, f"/staff/appointments/{visit.id}/reschedule", scheduled_for=field(clinic_time(-1))
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "The visit must be in the future." in html
    assert f'value="{field(clinic_time(-1))}"' in html  # what was typed stays in the box
    assert snapshot() == before


@pytest.mark.parametrize(
    "action, data",
    [
        ("reschedule", {"scheduled_for": "x"}),
        ("cancel", {}),
        ("mark", {"status": "completed"}),
        ("mark", {"status": "missed"}),
    ],
)
def test_the_72_hour_check_is_managed_by_the_system_not_staff(client, staff, patient, action, data):
    check = patient.current_procedure.appointments[0]
    before = snapshot()
    response = post(client, patient, f"/staff/appointments/{check.id}/{action}", **data)
    assert response.status_code == 400
    assert "The 72-hour check is managed by the system" in response.get_data(as_text=True)
    assert snapshot() == before


def test_an_unknown_status_or_a_second_change_to_a_finished_visit_is_refused(client, staff, patient):
    book(client, patient, clinic_time(10))
    visit = visit_of(patient)
    before = snapshot()
    response = post(client, patient, f"/staff/appointments/{visit.id}/mark", status="rescheduled")
    assert response.status_code == 400
    assert "Unknown status" in response.get_data(as_text=True)
    assert snapshot() == before
    assert (
        post(client, patient, f"/staff/appointments/{visit.id}/mark", status="completed").status_code == 302
    )
    before = snapshot()
    for action in ("cancel", "mark"):
        response = post(client, patient, f"/staff/appointments/{visit.id}/{action}", status="missed")
        assert response.status_code == 400
        assert "This visit is completed and can no longer be changed." in response.get_data(as_text=True)
    assert snapshot() == before


def test_a_discharged_patient_gets_no_new_visits(make_patient, make_user):
    patient = make_patient(discharged=True)
    with pytest.raises(ValidationError) as refused:
        appointments.schedule_follow_up(
            patient, {"scheduled_for": field(clinic_time(5))}, make_user("staff"), utcnow()
        )
    assert "discharged" in refused.value.errors["form"]


def test_a_patient_without_a_procedure_cannot_be_booked(make_patient, make_user):
    patient = make_patient(procedure=False)
    with pytest.raises(ValidationError) as refused:
        appointments.schedule_follow_up(
            patient, {"scheduled_for": field(clinic_time(5))}, make_user("staff"), utcnow()
        )
    assert "Record the procedure" in refused.value.errors["form"]
