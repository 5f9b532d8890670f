"""The patient's own progress: a plain sentence about their pain and a simple chart that fits a phone."""

from datetime import timedelta

import pytest

from recovery.extensions import db
from recovery.models import utcnow
from recovery.services.checkins import save_checkin

from .pages import data_block, inline_javascript, text

CALM = {"worst_pain": 10, "walking_level": 3, "minutes_upright": 60, "medication": "otc",
        "sleep_disturbed": "no", "flag_neuro": "no", "flag_chest": "no", "flag_infection": "no",
        "flag_calf": "no"}


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
    assert sentence in page
    figure = data_block(response.get_data(as_text=True), "progress-chart")
    mine = next(t for t in figure["data"] if t["name"] == "Your pain")
    assert mine["x"] == [1, 2] and mine["y"] == [6, pain]
    assert any(t["name"] == "Expected recovery" for t in figure["data"])
    assert figure["config"] == {"displayModeBar": False, "responsive": True}  # follows a phone's width
    assert figure["layout"]["autosize"] is True
    assert "how pain usually goes in the weeks after a kyphoplasty" in page
    assert inline_javascript(page) == []
    assert 'src="/static/vendor/plotly.min.js?v=' in page and 'charts.js" defer' in page


def test_before_the_first_checkin_there_is_a_sentence_but_no_chart(client, make_patient, login):
    patient = make_patient(baseline_pain=7)
    login(patient.user)
    page = text(client.get("/patient/"))
    assert "You have not checked in since your kyphoplasty yet." in page
    assert "data-chart" not in page and "plotly" not in page


def test_pages_without_charts_load_no_chart_scripts(client, make_patient, login):
    login(make_patient().user)
    for url in ("/patient/checkin", "/patient/history", "/patient/expect"):
        assert "plotly" not in client.get(url).get_data(as_text=True), url
