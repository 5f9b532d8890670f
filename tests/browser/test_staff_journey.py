"""Staff in a real browser: enrol a patient, record the procedure, book the follow-up."""

import re
from datetime import timedelta

import pytest

from recovery.extensions import db
from recovery.models import utcnow
from recovery.services import appointments

from .world import CLINIC, daytime, dispatch, enrol, expect, link_in, make_user, sign_in

pytestmark = pytest.mark.browser


def test_staff_enrol_a_patient_record_kyphoplasty_and_book_follow_up(live, mail, journey):
    with live.context():
        make_user("staff", "desk@clinic.example", "Dana Desk")
        make_user("clinician", "doc@clinic.example", "Dr Lee")
    tab = journey("staff")
    page = sign_in(tab, "desk@clinic.example")
    expect(page.get_by_role("heading", name="Calls to make")).to_be_visible()

    page.get_by_role("link", name="Enrol a new patient").click()
    tab.scan("enrol-form")
    page.get_by_label("Full name").fill("Rosa Alvarez")
    page.get_by_label("Clinic record number").fill("MRN-7001")
    page.get_by_label("Date of birth").fill("1948-03-02")
    page.get_by_label("Phone", exact=True).fill("219-555-0142")
    page.get_by_label(re.compile("^E-mail")).fill("rosa@example.org")
    page.get_by_label("Assigned clinician").select_option(label="Dr Lee")
    page.get_by_role("button", name="Enrol patient").click()
    tab.scan("enrolled")
    expect(page.get_by_role("heading", name="Rosa Alvarez is enrolled")).to_be_visible()
    expect(page.locator("code.staff-link").first).to_contain_text("/set-password/")

    page.get_by_role("link", name="Back to the patient").click()
    tab.scan("patient")
    expect(page.get_by_text("Invite pending")).to_be_visible()
    page.get_by_role("link", name="Record a procedure").click()
    tab.scan("procedure-form")
    performed = (utcnow() - timedelta(hours=3)).astimezone(CLINIC)
    page.get_by_label("Procedure", exact=True).select_option("kyphoplasty")
    page.get_by_label("Performed at (clinic time)").fill(performed.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("L1", exact=True).check()
    page.get_by_label("Fracture cause").select_option("osteoporosis")
    page.get_by_label("Anaesthesia").select_option("local")
    page.get_by_label("Setting").select_option("outpatient")
    page.get_by_label(re.compile("^Pain before the procedure")).fill("8")
    page.get_by_role("button", name="Record procedure").click()
    tab.scan("procedure-recorded")
    expect(page.get_by_role("status")).to_contain_text("Procedure recorded. The 72-hour check is scheduled.")
    procedures_table = page.locator("section[aria-labelledby=procedures] table")
    expect(procedures_table).to_contain_text("Kyphoplasty")
    expect(procedures_table).to_contain_text("L1")

    follow_up = (utcnow() + timedelta(days=21)).astimezone(CLINIC).replace(hour=10, minute=30)
    page.get_by_label("Kind of visit").select_option("follow_up")
    page.get_by_label("Date and time (clinic time)").fill(follow_up.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Book the visit").click()
    tab.scan("follow-up-booked")
    expect(page.get_by_role("status")).to_contain_text("booked for")
    visits = page.locator("table.staff-visits")
    expect(visits.locator("tr", has_text="Follow-up")).to_contain_text("Scheduled")
    expect(visits.locator("tr", has_text="72-hour")).to_be_visible()
    expect(page.locator("section[aria-labelledby=reminders]")).to_contain_text("Visit coming up (2 days before)")

    # The scheduler's next sweep sends the invitation; it arrives at the SMTP server.
    with live.context():
        report = dispatch(daytime())
        assert report.sent, report
    invites = [m for m in mail.messages if m["To"] == "rosa@example.org"]
    assert [m["Subject"] for m in invites] == ["Set your password for Recovery"]
    assert link_in(invites[0], "/set-password/").startswith(live.url)


def _visit_reminders(page):
    """The outbox rows for the follow-up visit as (kind, due, status) the way staff read them."""
    rows = []
    for row in page.locator("table.staff-outbox tbody tr").all():
        cells = [cell.strip() for cell in row.locator("td").all_inner_texts()]
        if cells[1].startswith("Visit"):
            rows.append((cells[1], cells[3], cells[4]))
    return rows


def test_staff_reschedule_moves_the_follow_up_reminders_in_the_outbox(live, journey):
    old = (utcnow() + timedelta(days=10)).astimezone(CLINIC).replace(hour=10, minute=0, second=0, microsecond=0)
    new = old + timedelta(days=7, hours=4)
    with live.context():
        staff = make_user("staff", "desk@clinic.example", "Dana Desk")
        patient = enrol(staff)
        visit = appointments.schedule_follow_up(
            patient, {"kind": "follow_up", "scheduled_for": old.strftime("%Y-%m-%dT%H:%M")}, staff, utcnow())
        db.session.commit()
        patient_id, visit_id = patient.id, visit.id
    tab = journey("staff")
    sign_in(tab, "desk@clinic.example")
    page = tab.go("/staff/outbox?status=all", "outbox-before")
    before = _visit_reminders(page)
    old_days = {_day(old - timedelta(days=2)), _day(old)}
    assert {(due_day, status) for _kind, due, status in before for due_day in old_days if due_day in due} == {
        (d, "Pending") for d in old_days}, before

    page = tab.go(f"/staff/patients/{patient_id}")
    page.locator(f"#reschedule-{visit_id}").fill(new.strftime("%Y-%m-%dT%H:%M"))
    page.locator(f"#appointment-{visit_id}").get_by_role("button", name="Reschedule").click()
    tab.scan("rescheduled")
    expect(page.get_by_role("status")).to_contain_text("its reminders moved with it")
    expect(page.locator(f"#appointment-{visit_id}")).to_contain_text(_day(new))

    page = tab.go("/staff/outbox?status=all", "outbox-after")
    after = _visit_reminders(page)
    statuses = {}
    for _kind, due, status in after:
        for day in old_days | {_day(new - timedelta(days=2)), _day(new)}:
            if day in due:
                statuses.setdefault(day, set()).add(status)
    assert statuses == {
        **{d: {"Cancelled"} for d in old_days},
        _day(new - timedelta(days=2)): {"Pending"}, _day(new): {"Pending"},
    }, after


def _day(moment) -> str:
    """A date as the staff pages print it, e.g. "Dec 5, 2026"."""
    return f"{moment:%b} {moment.day}, {moment.year}"
