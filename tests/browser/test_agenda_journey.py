"""Staff in a real browser: open the week's agenda (in counts per day), move to a day, mark
yesterday's visit a no-show and find the call to make on the staff home page."""

from datetime import datetime, time, timedelta

import pytest

from recovery.extensions import db
from recovery.models import utcnow
from recovery.services import appointments

from .world import CLINIC, enrol, expect, make_user, sign_in

pytestmark = pytest.mark.browser


def _clinic(day, clock: time) -> str:
    return datetime.combine(day, clock).strftime("%Y-%m-%dT%H:%M")


def test_staff_mark_yesterdays_visit_a_no_show_from_the_agenda_and_see_the_call(live, journey):
    now = utcnow()
    today = now.astimezone(CLINIC).date()
    yesterday = today - timedelta(days=1)
    with live.context():
        staff = make_user("staff", "desk@clinic.example", "Dana Desk")
        make_user("clinician", "doc@clinic.example", "Dr Lee")
        patient = enrol(staff, name="Rosa Alvarez", performed_at=now - timedelta(days=30))
        other = enrol(staff, name="Luis Garcia", email="luis@example.org", record="MRN-5002",
                      performed_at=now - timedelta(days=20))
        booked_at = now - timedelta(days=5)  # booked last week, for yesterday at 10:30
        anyway = {"override": "yes", "override_reason": "Extra clinic session"}  # in case it is a weekend
        missed = appointments.schedule_follow_up(patient, {
            "kind": "follow_up", "scheduled_for": _clinic(yesterday, time(10, 30)), **anyway}, staff, booked_at)
        appointments.schedule_follow_up(other, {
            "kind": "other", "scheduled_for": _clinic(today + timedelta(days=1), time(9, 0)), **anyway}, staff, now)
        db.session.commit()
        visit_id = missed.id

    tab = journey("staff")
    page = sign_in(tab, "desk@clinic.example")
    page.get_by_role("link", name="Agenda", exact=True).click()
    tab.scan("agenda-today")
    page.get_by_label("Day or week").select_option("week")
    page.get_by_role("button", name="Show", exact=True).click()
    tab.scan("agenda-week")
    expect(page.get_by_role("heading", level=1)).to_contain_text("week of")
    expect(page.locator("section.agenda-day")).to_have_count(7)
    if yesterday.isocalendar()[:2] != today.isocalendar()[:2]:  # Monday: yesterday was last week
        page.get_by_role("link", name="Previous week").click()
        tab.scan("agenda-previous-week")
    # The week is in counts: yesterday holds the follow-up, and its link opens the day's visits.
    yesterday_counts = page.locator(f"section.agenda-day[aria-labelledby='day-{yesterday.isoformat()}']")
    expect(yesterday_counts).to_contain_text("1 visit")
    expect(yesterday_counts).to_contain_text("Follow-up visit: 1")
    expect(yesterday_counts).to_contain_text("10:30")

    page.locator(f"a[href*='view=day'][href*='date={yesterday.isoformat()}']").first.click()
    expect(page.locator(f"#visit-{visit_id}")).to_contain_text("Rosa Alvarez")
    tab.scan("agenda-yesterday")
    row = page.locator(f"#visit-{visit_id}")
    expect(row).to_contain_text("10:30")
    expect(row).to_contain_text("Scheduled")
    expect(row.get_by_role("link", name="219-555-0142")).to_have_attribute("href", "tel:219-555-0142")
    expect(row).to_contain_text("2 days before")  # the reminders it had
    row.get_by_role("button", name="Mark no-show").click()
    tab.scan("agenda-no-show")
    expect(page.get_by_role("status")).to_contain_text("Rosa Alvarez did not come")
    expect(page.locator(f"#visit-{visit_id}")).to_contain_text("No-show")
    expect(page.locator(f"#visit-{visit_id}").get_by_role("button", name="Mark no-show")).to_have_count(0)
    # On paper: the day's list alone, without navigation, filters or buttons.
    page.emulate_media(media="print")
    expect(page.locator(f"#visit-{visit_id}")).to_be_visible()
    expect(page.locator("form.agenda-filters")).to_be_hidden()
    expect(page.locator("header.site")).to_be_hidden()
    expect(page.get_by_role("button", name="Mark completed")).to_be_hidden()
    page.emulate_media(media="screen")

    page.get_by_role("link", name="Patients and calls").click()
    tab.scan("home-with-call")
    call = page.locator("li.staff-call", has_text="Rosa Alvarez")
    expect(call).to_contain_text("call to rebook")
    expect(call.get_by_role("link", name="219-555-0142")).to_be_visible()


def test_staff_spot_an_overlap_book_anyway_with_a_reason_and_see_both_visits_on_the_agenda(live, journey):
    now = utcnow()
    tomorrow = now.astimezone(CLINIC).date() + timedelta(days=1)
    with live.context():
        staff = make_user("staff", "desk@clinic.example", "Dana Desk")
        doctor = make_user("clinician", "doc@clinic.example", "Dr Lee")
        patient = enrol(staff, name="Rosa Alvarez", performed_at=now - timedelta(days=30))
        other = enrol(staff, name="Luis Garcia", email="luis@example.org", record="MRN-5002",
                      performed_at=now - timedelta(days=20))
        appointments.schedule_follow_up(other, {
            "kind": "follow_up", "scheduled_for": _clinic(tomorrow, time(9, 0)), "clinician_id": str(doctor.id)},
            staff, now)
        db.session.commit()
        patient_id = patient.id

    tab = journey("staff")
    page = sign_in(tab, "desk@clinic.example")
    page = tab.go(f"/staff/patients/{patient_id}", "staff-patient-booking")
    page.get_by_label("Date and time (clinic time)").fill(_clinic(tomorrow, time(9, 15)))
    page.get_by_label("Clinician").last.select_option(label="Dr Lee")
    page.get_by_role("button", name="Book the visit").click()
    tab.scan("booking-overlap-warning")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("overlaps Luis Garcia's")
    expect(page.get_by_label("Date and time (clinic time)")).to_have_value(_clinic(tomorrow, time(9, 15)))

    page.get_by_label("Book anyway", exact=True).check()
    page.get_by_role("button", name="Book the visit").click()  # a tick without a reason is refused
    expect(page.locator("[data-error-summary]")).to_contain_text("reason")
    page.get_by_label("Book anyway", exact=True).check()
    page.get_by_label("Reason (kept in the audit log)").fill("Dr Lee sees both in the extra morning session")
    page.get_by_role("button", name="Book the visit").click()
    expect(page.locator("[data-error-summary]")).to_have_count(0)

    page = tab.go(f"/staff/agenda?view=day&date={tomorrow.isoformat()}", "agenda-overlap-booked")
    expect(page.locator("tr", has_text="Rosa Alvarez")).to_contain_text("9:15 AM")
    expect(page.locator("tr", has_text="Luis Garcia")).to_contain_text("9:00 AM")
    page = tab.go("/staff/audit", "audit-override")
    expect(page.locator("main")).to_contain_text("Dr Lee sees both in the extra morning session")
