"""The clinic-hours settings page and the booking form's warnings, as staff use them."""

import html as html_lib
import re

import pytest
from sqlalchemy import func, select

from recovery.extensions import db
from recovery.models import Appointment, AuditEvent, ClosedDate, OpeningHours
from recovery.services import clinic_calendar

from .conftest import csrf_token
from .test_clinic_hours import FRI, MON, SHOWN, SUN, TUE, app, field, on  # noqa: F401 (app: the fixture)

WEEK = {f"hours_{day}": "" for day in range(7)}


@pytest.fixture
def staff(make_user, login):
    return login(make_user("staff", name="Sam Desk"))


def page(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def by_field(text: str, name: str) -> str:
    """The message shown beside field `name`."""
    match = re.search(rf'id="{name}-error"[^>]*>(.*?)</p>', text, re.S)
    assert match, f"no message by {name}"
    return match.group(1).strip()


def post(client, url, data, form_page="/staff/clinic-hours"):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, form_page)})


def rows(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def audits() -> int:
    return rows(AuditEvent)


def test_the_page_shows_the_hours_from_the_config_until_staff_change_them(client, staff):
    text = page(client.get("/staff/clinic-hours"))
    assert SHOWN in text and 'value="08:00-12:00, 13:00-17:00"' in text
    assert "2026-12-25" in text  # the seeded closed dates, each with its button
    assert rows(OpeningHours) == 0  # looking writes nothing


def test_staff_save_several_ranges_a_day_and_the_audit_log_says_so(client, staff):
    data = {**WEEK, "hours_0": "07:30-12:00, 13:00-18:00", "hours_5": "9:00-13:00"}
    response = post(client, "/staff/clinic-hours", data)
    assert response.status_code == 302
    text = page(client.get("/staff/clinic-hours"))
    assert "Mon 07:30–12:00, 13:00–18:00; Sat 09:00–13:00" in text
    assert clinic_calendar.current().week == {MON: [(450, 720), (780, 1080)], 5: [(540, 780)]}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "clinic.hours"))
    assert event.detail == "Mon 07:30–12:00, 13:00–18:00; Sat 09:00–13:00"
    assert "Changed the clinic's opening hours" in page(client.get("/staff/audit"))


@pytest.mark.parametrize("value, message", [
    ("08:00-12:00, 11:00-17:00", "08:00-12:00 and 11:00-17:00 overlap."),
    ("17:00-08:00", "17:00-08:00 ends before it starts."),
    ("8am-5pm", "“8am” is not a time of day (HH:MM)."),
    ("08:00", "“08:00” is not a range of times such as 08:00-12:00."),
])
def test_bad_ranges_are_refused_by_the_field_and_nothing_is_written(client, staff, value, message):
    data = {**WEEK, "hours_0": "08:00-17:00", "hours_2": value}
    response = post(client, "/staff/clinic-hours", data)
    assert response.status_code == 400
    text = page(response)
    assert by_field(text, "hours_2") == message
    assert f'value="{value}"' in text and 'value="08:00-17:00"' in text  # what was typed is kept
    assert rows(OpeningHours) == 0 and audits() == 0
    assert clinic_calendar.current().describe() == SHOWN


def test_a_snow_day_is_one_field_and_a_button_and_can_be_opened_again(client, staff):
    day = on(TUE, "10:00").date().isoformat()
    response = post(client, "/staff/clinic-hours/closed", {"day": day, "note": "Snow"})
    assert response.status_code == 302
    assert f'data-day="{day}"' in page(client.get("/staff/clinic-hours"))
    assert rows(ClosedDate) == 3  # the two from the config, seeded first, and the snow day
    again = post(client, "/staff/clinic-hours/closed", {"day": day})
    assert again.status_code == 400 and "is already a closed date" in by_field(page(again), "day")

    assert post(client, "/staff/clinic-hours/closed/remove", {"day": day}).status_code == 302
    assert f'data-day="{day}"' not in page(client.get("/staff/clinic-hours"))
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["clinic.closed_add", "clinic.closed_remove"]


@pytest.mark.parametrize("value", ["2026-02-30", "tomorrow", "12/25/2026", ""])
def test_a_malformed_closed_date_is_refused_by_the_field(client, staff, value):
    response = post(client, "/staff/clinic-hours/closed", {"day": value, "note": "x"})
    assert response.status_code == 400
    assert "date (YYYY-MM-DD)" in by_field(page(response), "day")
    assert rows(ClosedDate) == 0 and audits() == 0


# The booking form


def book(client, patient, **data):
    url = f"/staff/patients/{patient.id}"
    return post(client, f"{url}/appointments", {"kind": "follow_up", **data}, form_page=url)


def follow_ups() -> int:
    return db.session.scalar(select(func.count()).select_from(Appointment).where(Appointment.kind != "check_72h"))


def test_a_warning_shows_the_form_again_and_an_override_with_a_reason_books(client, staff, make_user,
                                                                          make_patient):
    lee = make_user("clinician", name="Dr Lee")
    rosa = make_patient(name="Rosa Díaz", clinician_id=lee.id)
    tom = make_patient(name="Tom Park", clinician_id=lee.id)
    assert book(client, rosa, scheduled_for=field(on(TUE, "10:00"))).status_code == 302

    when = field(on(TUE, "10:00"))
    response = book(client, tom, scheduled_for=when, kind="other")
    assert response.status_code == 400
    text = page(response)
    assert by_field(text, "scheduled_for") == "The visit overlaps Rosa Díaz's follow-up 10:00–10:30 with Dr Lee."
    assert f'value="{when}"' in text and '<option value="other" selected' in text  # everything kept
    assert 'name="override"' in text and 'name="override_reason"' in text
    assert follow_ups() == 1

    no_reason = book(client, tom, scheduled_for=when, kind="other", override="1")
    assert no_reason.status_code == 400 and "reason" in by_field(page(no_reason), "override_reason")
    assert follow_ups() == 1

    done = book(client, tom, scheduled_for=when, kind="other", override="1", override_reason="Family request")
    assert done.status_code == 302 and follow_ups() == 2
    audit = page(client.get("/staff/audit"))
    assert "Booked anyway. Reason: Family request" in audit and "overlaps Rosa Díaz's follow-up" in audit


def test_a_reschedule_warning_is_shown_beside_its_visit(client, staff, make_patient):
    patient = make_patient()
    assert book(client, patient, scheduled_for=field(on(FRI, "09:00"))).status_code == 302
    visit = db.session.scalar(select(Appointment).where(Appointment.kind == "follow_up"))
    url = f"/staff/patients/{patient.id}"
    response = post(client, f"/staff/appointments/{visit.id}/reschedule",
                    {"scheduled_for": field(on(SUN, "11:00"))}, form_page=url)
    assert response.status_code == 400
    text = page(response)
    assert f"Sunday is outside the clinic's hours ({SHOWN})." in text
    assert f'id="override-{visit.id}"' in text
    moved = post(client, f"/staff/appointments/{visit.id}/reschedule",
                 {"scheduled_for": field(on(SUN, "11:00")), "override": "1", "override_reason": "Open day"},
                 form_page=url)
    assert moved.status_code == 302
    assert db.session.get(Appointment, visit.id).scheduled_for == on(SUN, "11:00")


@pytest.mark.parametrize("value, message", [
    ("2026-13-40T10:00", "Please enter a real date and time"),
    ("next tuesday", "Please enter a real date and time"),
    ("2020-01-06T10:00", "The visit"),  # before the procedure, in the past
    ("2099-01-05T10:00", "more than two years ahead"),
])
def test_bad_booking_input_is_refused_by_the_field_and_writes_nothing(client, staff, make_patient, value,
                                                                       message):
    patient = make_patient()
    response = book(client, patient, scheduled_for=value, override="1", override_reason="anyway")
    assert response.status_code == 400
    assert message in by_field(page(response), "scheduled_for")
    assert follow_ups() == 0
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action.like("appointment.%"))) is None


def test_an_unknown_patient_cannot_be_booked(client, staff, make_patient):
    make_patient()
    response = post(client, "/staff/patients/999999/appointments",
                    {"scheduled_for": field(on(MON, "10:00"))}, form_page="/staff/clinic-hours")
    assert response.status_code == 404 and follow_ups() == 0


def test_the_patients_notice_names_the_hours_staff_keep(client, staff):
    from recovery.services.clinic_hours import describe

    post(client, "/staff/clinic-hours", {**WEEK, "hours_1": "09:00-15:00"})
    assert clinic_calendar.current().describe() == "Tue 09:00–15:00"
    with client.application.test_request_context(headers={"Accept-Language": "es"}):
        assert describe(clinic_calendar.current().week, clinic_calendar.day_names()) == "mar 09:00–15:00"
