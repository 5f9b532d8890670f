"""Staff in a real browser: open the week's agenda, move to a day, mark yesterday's visit a no-show
and find the call to make on the staff home page."""

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
    expect(page.locator(f"#visit-{visit_id}")).to_contain_text("Rosa Alvarez")

    page.locator(f"a[href*='view=day'][href*='date={yesterday.isoformat()}']").first.click()
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
