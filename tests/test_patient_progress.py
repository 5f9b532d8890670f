"""The patient's own progress: a plain sentence about their pain and a simple chart that fits a phone."""

import re
from datetime import timedelta

import pytest

from recovery.display import to_local
from recovery.extensions import db
from recovery.models import CheckIn, utcnow
from recovery.services.checkins import save_checkin
from tests.answers import checkin_answers

from .pages import inline_javascript, scripts, text

CALM = checkin_answers(without=('pain_now',), worst_pain=10, walking_level=3, minutes_upright=60)


def chart_points(html: str) -> list[tuple[int, int]]:
    """(day, pain) of every point of the server-drawn chart, in order."""
    svg = re.search(r'<svg class="pain-chart".*?</svg>', html, re.S)
    assert svg, "no chart SVG on the page"
    return [(int(d), int(p)) for d, p in re.findall(r'<circle data-day="(-?\d+)" data-pain="(\d+)"', svg.group(0))]


@pytest.mark.parametrize("pain, sentence", [
    (4, "Your pain has dropped from 8 to 4 since your kyphoplasty."),
    (9, "Your pain has gone up from 8 to 9 since your kyphoplasty. If this worries you, call the clinic."),
    (8, "Your pain is 8, the same as before your kyphoplasty."),
])
def test_the_patient_home_says_how_pain_changed_and_draws_their_chart(client, make_patient, login, pain,
                                                                       sentence):
    patient = make_patient(baseline_pain=8)
    save_checkin(patient, {**CALM, "pain_now": 6}, utcnow() - timedelta(days=1))
    save_checkin(patient, {**CALM, "pain_now": pain}, utcnow())
    db.session.commit()
    login(patient.user)
    response = client.get("/patient/")
    page = text(response)
    html = response.get_data(as_text=True)
    assert sentence in page
    assert chart_points(html) == [(1, 6), (2, pain)]
    assert 'data-testid="band"' in html and 'data-testid="baseline"' in html  # expected band, where they began
    assert "<title id=\"pain-chart-title\">Chart of your pain each day since your procedure.</title>" in html
    assert f"Day 1: pain 6; Day 2: pain {pain}" in page  # the <desc>
    assert "how pain usually goes in the weeks after a kyphoplasty" in page
    assert inline_javascript(page) == []


def test_the_patients_chart_loads_no_script_at_all(client, make_patient, login):
    # A phone downloads no plotly.js (4.8 MB) for the patient's own chart: it is drawn on the server.
    patient = make_patient()
    save_checkin(patient, {**CALM, "pain_now": 5}, utcnow())
    db.session.commit()
    login(patient.user)
    html = client.get("/patient/").get_data(as_text=True)
    assert "<svg" in html and "plotly" not in html and "charts.js" not in html
    assert scripts(html) == [] and 'type="application/json"' not in html


def test_the_chart_days_count_in_the_patients_own_time_zone(client, make_patient, login):
    patient = make_patient(baseline_pain=7, tz="Asia/Tokyo", performed_at=utcnow() - timedelta(days=5))
    for days_ago, pain in ((4, 6), (2, 5), (0, 3)):
        save_checkin(patient, {**CALM, "pain_now": pain}, utcnow() - timedelta(days=days_ago))
    db.session.commit()
    login(patient.user)
    html = client.get("/patient/").get_data(as_text=True)
    first = to_local(patient.current_procedure.performed_at, "Asia/Tokyo").date()
    saved = sorted(db.session.scalars(db.select(CheckIn).where(CheckIn.patient_id == patient.id)),
                   key=lambda c: c.local_date)
    assert chart_points(html) == [((c.local_date - first).days, c.pain_now) for c in saved]
    assert [p for _, p in chart_points(html)] == [6, 5, 3]
    assert re.findall(r"<tr><td>(\d+)</td><td>(\d+)</td></tr>", html) == [
        (str(d), str(p)) for d, p in chart_points(html)]  # the same numbers as a table


def test_before_the_first_checkin_there_is_a_sentence_and_an_empty_chart_notice(client, make_patient, login):
    patient = make_patient(baseline_pain=7)
    login(patient.user)
    page = text(client.get("/patient/"))
    assert "You have not checked in since your kyphoplasty yet." in page
    assert "Your pain chart will appear here after your first check-in." in page
    assert "<svg" not in page and "data-chart" not in page and "plotly" not in page


def test_pages_without_charts_load_no_chart_scripts(client, make_patient, login):
    login(make_patient().user)
    for url in ("/patient/checkin", "/patient/history", "/patient/expect"):
        assert "plotly" not in client.get(url).get_data(as_text=True), url
