"""A patient answers the outcome questionnaire open at their time point: the answers and score are
kept, a second submission in the window updates them and keeps the earlier version, and bad input
is refused by the item with nothing written."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from recovery.extensions import db
from recovery.models import QuestionnaireResponse, QuestionnaireResponseRevision, utcnow
from recovery.services import questionnaires
from recovery.services.errors import ValidationError

from .conftest import NOW, csrf_token


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _ticks(*numbers) -> dict:
    return {str(n): ["yes"] for n in numbers}


@pytest.fixture
def month1_patient(make_patient, login):
    """A signed-in patient whose procedure was 30 days ago: the month-1 window is open."""
    patient = make_patient(performed_at=utcnow() - timedelta(days=30))
    db.session.commit()
    login(patient.user)
    return patient


def test_the_home_page_links_the_questionnaires_open_now(client, month1_patient):
    page = client.get("/patient/").get_data(as_text=True)
    assert 'data-testid="questionnaires-due"' in page and "Month 1" in page
    assert 'href="/patient/questionnaires/rmdq"' in page
    assert 'href="/patient/questionnaires/global_impression"' in page


def test_a_patient_answers_the_rmdq_and_sees_it_leave_the_home_page(client, month1_patient):
    form = client.get("/patient/questionnaires/rmdq").get_data(as_text=True)
    assert "I stay in bed most of the time because of my back." in form and 'type="checkbox"' in form
    token = csrf_token(client, "/patient/questionnaires/rmdq")
    response = client.post("/patient/questionnaires/rmdq",
                           data={"csrf_token": token, "item-2": "yes", "item-13": "yes", "item-20": "yes"})
    assert response.status_code == 302
    saved = db.session.scalar(select(QuestionnaireResponse))
    assert (saved.time_point, saved.instrument, saved.score) == ("month1", "rmdq", 3)
    assert saved.answers == {"2": True, "13": True, "20": True} and saved.patient_id == month1_patient.id
    home = client.get("/patient/").get_data(as_text=True)
    assert 'href="/patient/questionnaires/rmdq"' not in home  # answered: only the global impression left
    assert 'href="/patient/questionnaires/global_impression"' in home


def test_answering_again_in_the_window_updates_it_and_keeps_the_earlier_version(client, month1_patient):
    token = csrf_token(client, "/patient/questionnaires/rmdq")
    client.post("/patient/questionnaires/rmdq", data={"csrf_token": token, "item-1": "yes", "item-2": "yes"})
    again = client.get("/patient/questionnaires/rmdq").get_data(as_text=True)
    assert 'data-testid="updating"' in again and 'id="item-2" name="item-2" value="yes"\n      checked' in again
    client.post("/patient/questionnaires/rmdq", data={"csrf_token": token, "item-1": "yes"})
    (saved,) = db.session.scalars(select(QuestionnaireResponse))
    assert saved.score == 1 and saved.answers == {"1": True}
    (earlier,) = db.session.scalars(select(QuestionnaireResponseRevision))
    assert earlier.response_id == saved.id and earlier.snapshot["score"] == 2
    assert earlier.snapshot["answers"] == {"1": True, "2": True}


@pytest.mark.parametrize("data, field, message", [
    ({"item-25": "yes"}, None, "This question is not part of the questionnaire."),
    ({"item-3": "perhaps"}, "item-3", "Tick the statement or leave it blank."),
])
def test_a_bad_rmdq_answer_is_refused_by_the_item_and_nothing_is_written(client, month1_patient, data, field,
                                                                        message):
    token = csrf_token(client, "/patient/questionnaires/rmdq")
    response = client.post("/patient/questionnaires/rmdq", data={"csrf_token": token, "item-1": "yes", **data})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page and "Nothing was saved" in page
    if field:
        assert f'id="{field}-error"' in page
    assert _count(QuestionnaireResponse) == 0


def test_the_global_impression_needs_one_of_its_answers(client, month1_patient):
    token = csrf_token(client, "/patient/questionnaires/global_impression")
    for data, message in (({}, "Answer this question."), ({"item-change": "better"}, "Choose one of the answers")):
        response = client.post("/patient/questionnaires/global_impression", data={"csrf_token": token, **data})
        assert response.status_code == 400 and message in response.get_data(as_text=True)
        assert 'id="item-change-error"' in response.get_data(as_text=True)
    assert _count(QuestionnaireResponse) == 0
    response = client.post("/patient/questionnaires/global_impression",
                           data={"csrf_token": token, "item-change": "much_better"})
    assert response.status_code == 302 and db.session.scalar(select(QuestionnaireResponse.score)) == 2


def test_outside_every_window_the_form_is_closed_and_a_submission_refused(client, make_patient, login):
    patient = make_patient(performed_at=utcnow() - timedelta(days=15))  # between week 1 and month 1
    db.session.commit()
    login(patient.user)
    assert 'data-testid="not-open"' in client.get("/patient/questionnaires/rmdq").get_data(as_text=True)
    token = csrf_token(client, "/patient/")
    response = client.post("/patient/questionnaires/rmdq", data={"csrf_token": token, "item-1": "yes"})
    assert response.status_code == 400 and "not open now" in response.get_data(as_text=True)
    assert _count(QuestionnaireResponse) == 0


def test_an_unknown_instrument_is_not_found(client, month1_patient):
    assert client.get("/patient/questionnaires/sf36").status_code == 404


def test_the_spanish_page_says_the_questionnaire_is_in_english(client, make_patient, login):
    patient = make_patient(performed_at=utcnow() - timedelta(days=30), preferred_language="es")
    db.session.commit()
    login(patient.user)
    page = client.get("/patient/questionnaires/rmdq").get_data(as_text=True)
    assert 'data-testid="in-english"' in page and '<h1 lang="en">' in page


def test_baseline_is_open_until_the_procedure_and_asks_only_the_rmdq(make_patient):
    patient = make_patient(performed_at=NOW + timedelta(days=3))  # booked, not yet done
    opened = questionnaires.open_now(patient, NOW)
    assert (opened.point.key, opened.unanswered) == ("baseline", ("rmdq",))
    with pytest.raises(ValidationError) as refused:
        questionnaires.submit(patient, "global_impression", {"change": "no_change"}, NOW)
    assert "not open now" in refused.value.errors["form"]
    saved = questionnaires.submit(patient, "rmdq", {"4": "yes"}, NOW)
    db.session.commit()
    assert saved.created and saved.score == 1
    statuses = {s.point.key: s.status for s in questionnaires.point_statuses(patient, NOW)}
    assert statuses["baseline"] == "answered" and statuses["72h"] == "upcoming"
    # After the procedure, baseline can no longer be answered: it is the week-1 window's turn later.
    with pytest.raises(ValidationError):
        questionnaires.submit(patient, "rmdq", {"4": "yes"}, NOW + timedelta(days=3, minutes=1))


@pytest.mark.parametrize("instrument, baseline, score, meaningful", [
    ("rmdq", 18, 13, False),  # 5 points but 27.8%: both thresholds are needed
    ("rmdq", 18, 12, True),   # 6 points, 33%
    ("rmdq", 10, 6, False),   # 40% but only 4 points
    ("rmdq", 20, 15, False),  # 5 points but 25%
    ("odi", 50.0, 40.0, True),
    ("odi", 50.0, 40.2, False),
    ("eq5d5l", 12, 6, None),  # no published rule shipped
    ("rmdq", None, 6, None),
])
def test_meaningful_improvement_by_instrument(instrument, baseline, score, meaningful):
    from recovery.services.responder import meaningful_improvement

    assert meaningful_improvement(instrument, baseline, score) is meaningful


def test_the_clinician_sees_the_scores_over_time_with_change_from_baseline(client, make_patient, make_user,
                                                                          login):
    patient = make_patient(performed_at=NOW - timedelta(days=30))
    performed = patient.current_procedure.performed_at
    questionnaires.submit(patient, "rmdq", _ticks(*range(1, 19)), performed - timedelta(days=1))  # 18
    questionnaires.submit(patient, "rmdq", _ticks(*range(1, 16)), performed + timedelta(days=7))  # 15
    questionnaires.submit(patient, "rmdq", _ticks(*range(1, 10)), NOW)  # 9
    questionnaires.submit(patient, "global_impression", {"change": "much_better"}, NOW)
    db.session.commit()
    login(make_user("clinician"))
    page = client.get(f"/clinic/patients/{patient.id}").get_data(as_text=True)
    table = page[page.index('data-instrument="rmdq"'):]
    table = table[:table.index("</table>")]
    rows = {point: table.split(f'data-point="{point}"')[1].split("</tr>")[0]
            for point in ("baseline", "week1", "month1")}
    assert "<td>18</td>" in rows["baseline"]
    assert "<td>15</td>" in rows["week1"] and "<td>-3</td>" in rows["week1"] and "<td>No</td>" in rows["week1"]
    assert "<td>9</td>" in rows["month1"] and "<td>-9</td>" in rows["month1"] and 'badge ok">Yes' in rows["month1"]
    impression = page[page.index('data-instrument="global_impression"'):]
    assert "Much better" in impression[:impression.index("</table>")]
