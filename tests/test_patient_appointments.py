"""The patient sees their next visit on Today, lists their visits, and downloads calendar files."""

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_skeleton
from icalendar import Calendar

from recovery.extensions import db
from recovery.models import Appointment, utcnow
from recovery.services import appointments

CLINIC = ZoneInfo("America/Chicago")
TOKYO = "Asia/Tokyo"  # 15 hours ahead of the clinic: a 10:30 clinic visit is the next day there


def clinic_time(days: int, clock: time = time(10, 30)) -> datetime:
    day = utcnow().astimezone(CLINIC).date() + timedelta(days=days)
    return datetime.combine(day, clock, tzinfo=CLINIC).astimezone(UTC)


def field(moment: datetime) -> str:
    return moment.astimezone(CLINIC).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def staff(make_user):
    return make_user("staff")


@pytest.fixture
def patient(make_patient, login):
    patient = make_patient(name="Kenji Sato", tz=TOKYO)
    login(patient.user)
    return patient


def book(patient, staff, when: datetime) -> Appointment:
    visit = appointments.schedule_follow_up(patient, {"scheduled_for": field(when)}, staff, utcnow())
    db.session.commit()
    return visit


def section(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}".*?</section>', html, re.S)
    assert match, f"no {testid} section"
    return match.group(0)


def download(client, visit) -> tuple:
    response = client.get(f"/patient/appointments/{visit.id}.ics")
    assert response.status_code == 200
    return response, Calendar.from_ical(response.data)


def event_of(cal):
    (event,) = cal.walk("VEVENT")
    return event


def test_today_shows_the_next_visit_on_the_patients_own_day(client, patient, staff):
    when = clinic_time(10)
    book(patient, staff, when)
    html = client.get("/patient/").get_data(as_text=True)
    block = section(html, "next-visit")
    local = when.astimezone(ZoneInfo(TOKYO))
    assert local.date() != when.astimezone(CLINIC).date()  # the day differs from the clinic's
    assert format_skeleton("MMMEd", local, locale="en") in block
    assert local.strftime("%-I:%M") in block and "JST" in block
    assert format_skeleton("MMMEd", when.astimezone(CLINIC), locale="en") not in block
    assert "Follow-up visit" in block
    assert "Spine Recovery Clinic" in block
    assert 'href="tel:2195550100"' in block
    assert "None booked yet" not in block


def test_today_says_none_booked_yet_without_a_visit(client, patient):
    block = section(client.get("/patient/").get_data(as_text=True), "next-visit")
    assert "None booked yet — the clinic will call you to book your follow-up." in block
    assert 'href="tel:2195550100"' in block


def test_today_reads_check_in_then_appointment_then_progress(client, patient, staff):
    book(patient, staff, clinic_time(10))
    html = client.get("/patient/").get_data(as_text=True)
    check_in = html.index("Check in now")
    visit = html.index("Your next appointment")
    progress = html.index("Your pain")
    assert check_in < visit < progress


def test_a_cancelled_visit_leaves_today_and_shows_as_cancelled(client, patient, staff):
    visit = book(patient, staff, clinic_time(10))
    appointments.cancel(visit, staff, utcnow())
    db.session.commit()
    assert "None booked yet" in section(client.get("/patient/").get_data(as_text=True), "next-visit")
    upcoming = section(client.get("/patient/appointments").get_data(as_text=True), "upcoming")
    item = re.search(rf'data-testid="visit-{visit.id}".*?</li>', upcoming, re.S).group(0)
    assert "Cancelled" in item and "Remove it from my calendar" in item


def test_appointments_lists_upcoming_and_past_with_their_status(client, patient, staff):
    upcoming_visit = book(patient, staff, clinic_time(12))
    done = Appointment(patient_id=patient.id, procedure_id=patient.current_procedure.id, kind="follow_up",
                       status="completed", scheduled_for=utcnow() - timedelta(hours=30), revision=1)
    missed = Appointment(patient_id=patient.id, procedure_id=patient.current_procedure.id, kind="other",
                         status="missed", scheduled_for=utcnow() - timedelta(hours=20), revision=1)
    db.session.add_all([done, missed])
    db.session.commit()
    html = client.get("/patient/appointments").get_data(as_text=True)
    upcoming, past = section(html, "upcoming"), section(html, "past")
    assert f"visit-{upcoming_visit.id}" in upcoming and "Booked" in upcoming
    assert f'/patient/appointments/{upcoming_visit.id}.ics' in upcoming
    assert f"visit-{done.id}" in past and "Completed" in past
    assert f"visit-{missed.id}" in past and "Missed" in past
    assert ".ics" not in past  # no calendar file for a visit that is over
    assert past.index(f"visit-{missed.id}") < past.index(f"visit-{done.id}")  # most recent first


def test_calendar_file_follows_a_reschedule_and_a_cancel(client, patient, staff, app):
    visit = book(patient, staff, clinic_time(10))
    response, cal = download(client, visit)
    assert response.mimetype == "text/calendar"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "no-store" in response.headers["Cache-Control"]
    assert str(cal["METHOD"]) == "PUBLISH"
    event = event_of(cal)
    uid = str(event["UID"])
    host = re.sub(r"^https?://([^/:]+).*$", r"\1", app.config["BASE_URL"])
    assert uid == f"appointment-{visit.id}@{host}"
    assert int(event["SEQUENCE"]) == 1
    start = event.decoded("DTSTART")
    assert start == visit.scheduled_for and start.tzinfo.key == "America/Chicago"
    assert event["DTSTART"].params["TZID"] == "America/Chicago"
    assert start.hour == 10 and start.minute == 30  # the clinic's wall clock
    assert event.decoded("DTEND") - start == timedelta(minutes=app.config["VISIT_MINUTES"])
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["America/Chicago"]
    assert "DTSTAMP" in event

    moved = clinic_time(14, time(15, 0))
    appointments.reschedule(visit, {"scheduled_for": field(moved)}, staff, utcnow())
    db.session.commit()
    event = event_of(download(client, visit)[1])
    assert str(event["UID"]) == uid
    assert int(event["SEQUENCE"]) == 2
    assert event.decoded("DTSTART") == moved

    appointments.cancel(visit, staff, utcnow())
    db.session.commit()
    cal = download(client, visit)[1]
    event = event_of(cal)
    assert str(cal["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == uid
    assert int(event["SEQUENCE"]) == 3


def test_calendar_file_holds_no_clinical_detail(client, patient, staff):
    visit = book(patient, staff, clinic_time(10))
    response, cal = download(client, visit)
    text = response.get_data(as_text=True).lower()
    for word in ("kyphoplasty", "osteoporosis", "pain", "fracture", "vertebr", "lumbar", "level"):
        assert word not in text
    event = event_of(cal)
    assert "DESCRIPTION" not in event
    assert str(event["SUMMARY"]) == "Follow-up visit — Spine Recovery Clinic"
    assert str(event["LOCATION"]) == "Spine Recovery Clinic"
    assert "L1" not in str(event["SUMMARY"]) + str(event["LOCATION"])


def test_calendar_file_is_in_the_patients_language(client, make_patient, login, staff):
    patient = make_patient(tz=TOKYO, preferred_language="es")
    login(patient.user)
    visit = book(patient, staff, clinic_time(10))
    event = event_of(download(client, visit)[1])
    assert str(event["SUMMARY"]).startswith("Visita de control — ")


def test_another_patients_calendar_file_is_not_found(client, patient, make_patient, staff):
    other = make_patient()
    visit = book(other, staff, clinic_time(10))
    assert client.get(f"/patient/appointments/{visit.id}.ics").status_code == 404
    assert client.get("/patient/appointments/999999.ics").status_code == 404
