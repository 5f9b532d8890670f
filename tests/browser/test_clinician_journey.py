"""A clinician: the triage list puts the red-flag patient first; the chart; the alert acknowledged."""

from datetime import timedelta

import pytest

from recovery.extensions import db
from recovery.models import Alert, utcnow
from recovery.services.checkins import save_checkin
from tests.answers import checkin_answers
from tests.conftest import earlier_the_same_day

from .world import enrol, expect, make_user, sign_in

pytestmark = pytest.mark.browser

ANSWERS = checkin_answers(pain_now=6, worst_pain=7)

# The chart's data: which plotly trace shows what, and how many points plotly computed for it.
TRACE_POINTS = """(el) => Object.fromEntries(el._fullData.map((trace, i) =>
    [trace.name, el.calcdata[i].filter(point => point.y !== undefined && point.y !== null).length]))"""


def test_clinician_finds_red_flag_patient_first_reads_chart_and_acknowledges(live, journey):
    now = utcnow()
    with live.context():
        staff = make_user("staff", "desk@clinic.example", "Dana Desk")
        make_user("clinician", "doc@clinic.example", "Dr Lee")
        waiting = enrol(staff, name="Walter Older", email="walter@example.org", record="MRN-5002",
                        performed_at=now - timedelta(days=6))
        db.session.add(Alert(patient_id=waiting.id, kind="pain_rising", detail="test", severity="high",
                             created_at=now - timedelta(days=2)))
        enrol(staff, name="Quinn Quiet", email="quinn@example.org", record="MRN-5003")
        rosa = enrol(staff, performed_at=now - timedelta(days=3, hours=2))
        save_checkin(rosa, {**ANSWERS, "pain_now": 7, "worst_pain": 8}, now - timedelta(days=2))
        save_checkin(rosa, {**ANSWERS, "pain_now": 5}, now - timedelta(days=1))
        save_checkin(rosa, {**ANSWERS, "pain_now": 4, "flag_neuro": "yes"},
                     earlier_the_same_day(now, timedelta(minutes=20)))  # today, at every hour
        db.session.commit()
        rosa_id = rosa.id

    # No bypass_csp here: a chart that needs inline script or eval would log a CSP error and fail.
    tab = journey("clinician", bypass_csp=False)
    page = sign_in(tab, "doc@clinic.example")
    triage = page.locator("table.triage-list tbody tr")
    expect(triage).to_have_count(2)
    expect(triage.first).to_contain_text("Rosa Alvarez")
    expect(triage.first).to_contain_text("Urgent")
    expect(triage.nth(1)).to_contain_text("Walter Older")
    expect(page.locator("table.clinic-list tbody tr").first).to_contain_text("Rosa Alvarez")

    triage.first.get_by_role("link", name="Rosa Alvarez").click()
    tab.scan("patient-chart")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rosa Alvarez")
    chart = page.locator("[data-chart=patient-chart]")
    expect(chart).to_have_attribute("data-chart-drawn", "true")
    points = chart.evaluate(TRACE_POINTS)
    assert points["Pain now"] == 3, points
    assert points["Worst pain (last 24 h)"] == 3, points
    assert points["Red flag"] == 1, points
    assert chart.locator(".scatterlayer .point").count() >= 7  # drawn in the SVG, not only computed

    alert = page.locator("li.alert.open")
    expect(alert).to_have_count(1)
    expect(alert).to_contain_text("Urgent")
    alert.get_by_label("What you did or decided (required)").fill("Called Rosa; MRI booked for today.")
    alert.get_by_role("button", name="Acknowledge").click()
    tab.scan("acknowledged")
    expect(page.get_by_role("status")).to_have_text("Alert acknowledged.")
    expect(page.locator("li.alert.open")).to_have_count(0)
    expect(page.locator("#alerts")).to_contain_text("No open alerts.")
    expect(page.locator("#alert-history")).to_contain_text("Acknowledged by Dr Lee")
    expect(page.locator("#alert-history")).to_contain_text("Called Rosa; MRI booked for today.")

    page = tab.go("/clinic/", "triage-after")
    expect(page.locator("table.triage-list tbody tr")).to_have_count(1)
    expect(page.locator("table.triage-list tbody tr").first).to_contain_text("Walter Older")
    with live.context():
        acknowledged = db.session.scalar(db.select(Alert).where(Alert.patient_id == rosa_id))
        assert acknowledged.note == "Called Rosa; MRI booked for today."


def test_clinician_finds_a_patient_by_search_and_acknowledges_from_the_triage_row(live, journey):
    now = utcnow()
    with live.context():
        staff = make_user("staff", "desk@clinic.example", "Dana Desk")
        make_user("clinician", "doc@clinic.example", "Dr Lee")
        for i in range(4):
            enrol(staff, name=f"Other Patient {i}", email=f"other{i}@example.org", record=f"MRN-60{i:02d}")
        rosa = enrol(staff, performed_at=now - timedelta(days=3, hours=2))
        save_checkin(rosa, {**ANSWERS, "pain_now": 5, "flag_calf": "yes", "note": "My calf is swollen."},
                     earlier_the_same_day(now, timedelta(minutes=20)))
        db.session.commit()
        rosa_id = rosa.id

    tab = journey("clinician", bypass_csp=False)
    page = sign_in(tab, "doc@clinic.example")
    page.get_by_label("Name or record number").fill("alvar")
    page.get_by_role("button", name="Show").click()
    tab.scan("search")
    assert "q=alvar" in page.url  # the search is in the URL, so it can be bookmarked
    rows = page.locator("table.clinic-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Rosa Alvarez")

    row = page.locator("table.triage-list tbody tr", has_text="Rosa Alvarez").filter(has_text="Red flag")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("My calf is swollen.")
    row.get_by_label("What you did or decided (required)").fill("Phoned; Doppler booked this afternoon.")
    row.get_by_role("button", name="Acknowledge").click()
    tab.scan("acknowledged-from-row")
    expect(page.get_by_role("status")).to_have_text("Alert acknowledged.")
    expect(page.locator("table.triage-list tbody tr").filter(has_text="Red flag")).to_have_count(0)
    with live.context():
        alert = db.session.scalar(db.select(Alert).where(Alert.patient_id == rosa_id, Alert.kind == "red_flag"))
        assert alert.note == "Phoned; Doppler booked this afternoon." and alert.acknowledged_by.display_name == "Dr Lee"
