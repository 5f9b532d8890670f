"""The patient reads their own back-function (RMDQ) history in plain words on their home page, in
their language: where it started, where it is, that lower is better, and whether that is a big
improvement by the clinic's one rule."""

from datetime import timedelta

import pytest

from recovery.extensions import db
from recovery.services import questionnaires

from .conftest import NOW
from .pages import text


def _ticks(score: int) -> dict:
    return {str(n): "yes" for n in range(1, score + 1)}


def _answered(make_patient, login, *scores, **patient):
    """A patient 30 days after the procedure who answered the RMDQ before it (the first score)
    and at week 1 and month 1 (the others, as many as given)."""
    person = make_patient(performed_at=NOW - timedelta(days=30), **patient)
    performed = person.current_procedure.performed_at
    for score, at in zip(scores, (performed - timedelta(days=1), performed + timedelta(days=7), NOW), strict=False):
        questionnaires.submit(person, "rmdq", _ticks(score), at)
    db.session.commit()
    login(person.user)
    return person


def _card(page: str) -> str:
    start = page.index('data-testid="back-scores"')
    return page[start:page.index("</section>", start)]


@pytest.mark.parametrize("scores, sentence, big", [
    ((18, 15, 9), "Your back-function score went from 18 to 9.", True),
    ((10, 8, 7), "Your back-function score went from 10 to 7.", False),  # 3 points: not big
    ((9, 11, 14), "Your back-function score went from 9 up to 14. If your back worries you, call the clinic.", False),
    ((12, 12, 12), "Your back-function score is 12, the same as before your procedure.", False),
    ((18,), "Your back-function score is 18 out of 24.", False),
])
def test_the_home_page_says_how_the_back_score_changed_in_plain_words(client, make_patient, login, scores,
                                                                       sentence, big):
    _answered(make_patient, login, *scores)
    card = _card(text(client.get("/patient/")))
    assert sentence in card
    assert "A lower score is better." in card and "out of 24" in card
    assert ("That is a big improvement since before your procedure." in card) is big
    labels = ["Before the procedure", "Week 1", "Month 1"][:len(scores)]
    listed = [line.split("<li>")[1] for line in card.split("</li>")[:-1]]
    assert [item.replace("<strong>", "").replace("</strong>", "") for item in listed] == [
        f"{label}: {score}" for label, score in zip(labels, scores, strict=True)]


def test_no_card_before_any_back_questionnaire_is_answered(client, make_patient, login):
    login(make_patient().user)
    assert 'data-testid="back-scores"' not in client.get("/patient/").get_data(as_text=True)


def test_a_spanish_speaking_patient_reads_it_in_spanish(client, make_patient, login):
    _answered(make_patient, login, 18, 15, 9, preferred_language="es")
    card = _card(text(client.get("/patient/")))
    assert "Su puntuación de la espalda bajó de 18 a 9." in card
    assert "Una puntuación más baja es mejor." in card and "Antes del procedimiento: <strong>18</strong>" in card
