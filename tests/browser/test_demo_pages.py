"""The demo cohort as each role sees it: every page drawn, axe-clean, and photographed for the README.

`make screenshots` runs this with DOCS_SCREENSHOTS=docs/screenshots to refresh the committed
pictures; in `make test` the pictures go only to the ignored build/screenshots.
"""

import os
from pathlib import Path

import pytest

from recovery.demo import CLINICIAN_EMAIL, PASSWORD, PATIENT_EMAIL, STAFF_EMAIL, seed
from recovery.extensions import db
from recovery.models import utcnow
from recovery.reminders.dispatch import beat

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


def test_demo_cohort_pages_for_each_role(live, mail, journey):
    now = utcnow()
    with live.context():
        seed(now)
        db.session.commit()
        dispatch(daytime(now))  # the outbox as a running scheduler leaves it
        beat("scheduler", utcnow())  # and its heartbeat: no "reminders are not being sent" banner

    patient = journey("patient", phone=True)
    page = sign_in(patient, PATIENT_EMAIL, PASSWORD)
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
    expect(page.locator("table.agenda tbody tr").first).to_be_visible()  # the demo's visits this week
    page = staff.go("/staff/worklist", "worklist")
    expect(page.locator("table.staff-worklist tbody tr").first).to_be_visible()
