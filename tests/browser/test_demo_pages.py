"""The demo cohort as each role sees it: every page drawn, axe-clean, and photographed for the README.

`make screenshots` runs this with DOCS_SCREENSHOTS=docs/screenshots to refresh the committed
pictures; in `make test` the pictures go only to the ignored build/screenshots.
"""

import os
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import current_app

from recovery.demo import CLINICIAN_EMAIL, PASSWORD, PATIENT_EMAIL, STAFF_EMAIL, seed
from recovery.extensions import db
from recovery.models import Patient, User, utcnow
from recovery.reminders.dispatch import beat
from recovery.services.appointments import schedule_follow_up
from recovery.services.checkins import save_checkin

from .world import daytime, dispatch, expect, sign_in

pytestmark = pytest.mark.browser
DOCS = os.environ.get("DOCS_SCREENSHOTS")


def picture(target, name: str, down_to=None) -> None:
    """Save a README picture of a page (its visible part, or from the top down to an element)
    or of one element."""
    if not DOCS:
        return
    Path(DOCS).mkdir(parents=True, exist_ok=True)
    options = {"path": str(Path(DOCS) / f"{name}.png"), "animations": "disabled"}
    if down_to is not None:
        box = down_to.bounding_box()
        scrolled = target.evaluate("() => window.scrollY")
        width = target.viewport_size["width"]
        options.update(full_page=True, clip={"x": 0, "y": 0, "width": width, "height": box["y"] + scrolled + box["height"] + 16})
    target.screenshot(**options)


def _demo_patient() -> Patient:
    return db.session.scalar(db.select(Patient).join(User, Patient.user_id == User.id).where(User.email == PATIENT_EMAIL))


def _book_follow_up(now) -> None:
    """The demo patient's follow-up visit, booked by the desk about three weeks out, 10:30 clinic time."""
    patient = _demo_patient()
    staff = db.session.scalar(db.select(User).where(User.email == STAFF_EMAIL))
    day = (now + timedelta(days=21)).astimezone(ZoneInfo(current_app.config["CLINIC_TIMEZONE"])).date()
    while day.weekday() >= 5 or day in current_app.config["CLINIC_CLOSED_DATES"]:  # an open day
        day += timedelta(days=1)
    schedule_follow_up(patient, {"kind": "follow_up", "scheduled_for": f"{day.isoformat()}T10:30"}, staff, now)
    db.session.commit()


def _report_calf_pain(now) -> None:
    """Today's check-in from the demo patient, with new calf pain: a red flag."""
    save_checkin(_demo_patient(), {
        "pain_now": 4, "worst_pain": 5, "walking_level": 3, "minutes_upright": 120, "medication": "otc",
        "sleep_disturbed": "no", "flag_neuro": "no", "flag_chest": "no", "flag_infection": "no",
        "flag_calf": "yes"}, now)
    db.session.commit()


def test_demo_cohort_pages_for_each_role(live, mail, journey):
    now = utcnow()
    with live.context():
        seed(now)
        db.session.commit()
        _book_follow_up(now)  # the demo books no visits yet; the desk would
        dispatch(daytime(now))  # the outbox as a running scheduler leaves it
        beat("scheduler", utcnow())  # and its heartbeat: no "reminders are not being sent" banner

    patient = journey("patient", phone=True)
    page = sign_in(patient, PATIENT_EMAIL, PASSWORD)
    visit = page.get_by_test_id("next-visit")
    expect(visit).not_to_contain_text("None booked yet")
    picture(page, "patient-today-appointment", down_to=visit)
    expect(page.get_by_test_id("pain-chart")).to_be_visible()
    page.locator("section.card.pain").scroll_into_view_if_needed()
    picture(page.locator("section.card.pain"), "patient-progress")
    page = patient.go("/patient/checkin", "checkin")
    picture(page, "patient-checkin-phone")

    clinician = journey("clinician", bypass_csp=False)
    page = sign_in(clinician, CLINICIAN_EMAIL, PASSWORD)
    triage = page.locator("table.triage-list tbody tr")
    expect(triage.first).to_be_visible()
    picture(page, "clinician-triage")
    triage.first.locator("th a[href^='/clinic/patients/']").click()
    clinician.scan("patient-chart")
    chart = page.locator("[data-chart=patient-chart]")
    expect(chart).to_have_attribute("data-chart-drawn", "true")
    picture(page.locator("section.card", has=chart), "patient-chart")
    page = clinician.go("/clinic/cohort", "cohort")
    chart = page.locator("[data-chart]").first
    expect(chart).to_have_attribute("data-chart-drawn", "true")
    picture(page, "cohort-chart", down_to=chart)

    staff = journey("staff")
    sign_in(staff, STAFF_EMAIL, PASSWORD)
    page = staff.go("/staff/outbox", "outbox")
    expect(page.locator("table.staff-outbox tbody tr").first).to_be_visible()
    expect(page.locator(".staff-stale-banner")).to_have_count(0)
    picture(page, "staff-outbox")
    page = staff.go("/staff/agenda?view=week", "agenda-week")
    expect(page.locator("p.agenda-day-summary").first).to_be_visible()  # the demo's visits this week, in counts
    page = staff.go("/staff/worklist", "worklist")
    expect(page.locator("table.staff-worklist tbody tr").first).to_be_visible()

    # Last, so the other pictures show the demo as seeded: the patient reports a warning sign.
    with live.context():
        _report_calf_pain(utcnow())
    page = patient.go("/patient/", "today-urgent")
    notice = page.get_by_test_id("urgent-notice")
    expect(notice).to_be_visible()
    picture(page, "patient-today-urgent", down_to=notice)
