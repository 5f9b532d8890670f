"""Staff's API for visits: list, book, reschedule, cancel; reminders follow exactly as on the web pages."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from recovery.extensions import db
from recovery.models import Appointment, AuditEvent, Reminder, utcnow

from .api_helpers import Api, row_counts

CLINIC = ZoneInfo("America/Chicago")


def clinic_time(days: int) -> datetime:
    day = utcnow().astimezone(CLINIC).date() + timedelta(days=days)
    return datetime.combine(day, time(10, 30), tzinfo=CLINIC)


@pytest.fixture
def staff(make_user):
    return make_user("staff")


@pytest.fixture
def api(client, staff):
    return Api(client, staff)


@pytest.fixture
def patient(make_patient):
    return make_patient(tz="America/New_York")


def reminders(appointment_id, status="pending"):
    return list(db.session.scalars(
        select(Reminder).where(Reminder.appointment_id == appointment_id, Reminder.status == status)))


def test_booking_a_visit_plans_its_reminders_and_is_audited(api, staff, patient):
    when = clinic_time(10)
    response = api.post("/appointments", json={"patient_id": patient.id, "scheduled_for": when.isoformat()})
    body = response.get_json()
    assert response.status_code == 201 and body["kind"] == "follow_up" and body["status"] == "scheduled"
    assert datetime.fromisoformat(body["scheduled_for"].replace("Z", "+00:00")) == when
    planned = reminders(body["id"])
    assert {r.kind for r in planned} >= {"follow_up_before", "follow_up_morning"}
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "appointment.schedule")).actor_id == staff.id


def test_rescheduling_moves_the_pending_reminders(api, patient):
    booked = api.post("/appointments", json={"patient_id": patient.id,
                                             "scheduled_for": clinic_time(10).isoformat()}).get_json()
    old = {r.id for r in reminders(booked["id"])}
    moved = api.post(f"/appointments/{booked['id']}/reschedule",
                     json={"scheduled_for": clinic_time(12).astimezone(UTC).isoformat()})
    assert moved.status_code == 200 and moved.get_json()["revision"] == 2
    assert {r.id for r in reminders(booked["id"], "cancelled")} == old
    fresh = reminders(booked["id"])
    assert fresh and not old & {r.id for r in fresh}


def test_cancelling_stops_the_reminders(api, patient):
    booked = api.post("/appointments", json={"patient_id": patient.id,
                                             "scheduled_for": clinic_time(10).isoformat()}).get_json()
    response = api.post(f"/appointments/{booked['id']}/cancel")
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    assert reminders(booked["id"]) == []
    again = api.post(f"/appointments/{booked['id']}/cancel", json={})
    assert again.status_code == 422 and "cancelled" in again.get_json()["errors"]["status"]


@pytest.mark.parametrize("body", [
    {"scheduled_for": "2030-01-01T10:00:00"},  # no offset: ambiguous, refused
    {"scheduled_for": "next tuesday"},
    {"scheduled_for": 1893456000},
    {"kind": "check_72h"},  # the system's visit
    {"kind": "follow_up", "room": "3"},
    {"patient_id": "1"},
])
def test_bad_bookings_write_nothing(api, patient, body):
    before = row_counts()
    data = {"patient_id": patient.id, "scheduled_for": clinic_time(10).isoformat(), **body}
    response = api.post("/appointments", json=data)
    assert response.status_code == 422 and response.get_json()["code"] == "validation_failed"
    assert row_counts() == before


def test_the_services_rules_apply(api, patient):
    before = row_counts()
    past = api.post("/appointments", json={"patient_id": patient.id, "scheduled_for": clinic_time(-1).isoformat()})
    assert past.status_code == 422 and "future" in past.get_json()["errors"]["scheduled_for"]
    check = patient.current_procedure.appointments[0]
    refused = api.post(f"/appointments/{check.id}/cancel")
    assert refused.status_code == 422 and "managed by the system" in refused.get_json()["errors"]["status"]
    assert row_counts() == before


def test_listing_filters_by_patient_and_status(api, staff, patient, make_patient):
    other = make_patient()
    booked = api.post("/appointments", json={"patient_id": patient.id,
                                             "scheduled_for": clinic_time(10).isoformat()}).get_json()
    everyone = api.get("/appointments").get_json()
    assert everyone["total"] == 3  # two 72-hour checks and the visit
    mine = api.get(f"/appointments?patient_id={patient.id}&status=scheduled").get_json()
    assert [a["id"] for a in mine["items"]] == [patient.current_procedure.appointments[0].id, booked["id"]]
    assert other.id not in {a["patient_id"] for a in mine["items"]}
    viewed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "patient.view"))
    assert (viewed.actor_id, viewed.patient_id) == (staff.id, patient.id)
    assert api.get("/appointments?status=lost").status_code == 422
    assert db.session.scalar(select(Appointment).where(Appointment.status == "cancelled")) is None
