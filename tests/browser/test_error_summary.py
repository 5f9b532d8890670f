"""A patient on a small phone sends an incomplete check-in: the error summary is read first (it has
the focus), its links take them to each question, and nothing they answered is lost."""

import re
from datetime import timedelta

import pytest

from recovery.extensions import db
from recovery.models import utcnow
from tests.conftest import _TEST_HASH

from .patient_steps import checkins
from .test_first_screen import OVERFLOW, SIZES
from .world import enrol, expect, make_user, sign_in

pytestmark = pytest.mark.browser

WORDS = {
    "en": ("There is a problem", "Send my check-in", "For how many minutes at a time can you stand or walk?"),
    "es": ("Hay un problema", "Enviar mi registro", "¿Cuántos minutos seguidos puede estar de pie o caminar?"),
}
FOCUSED = "() => { const a = document.activeElement; return [a.tagName, a.id, a.name || '',"\
          " (a.closest('[id]') || {}).id || '', a.getAttribute('data-testid') || '']; }"


def _patient(live, language):
    with live.context():
        staff = make_user("staff", "desk@clinic.example", "Dana Desk")
        patient = enrol(staff, email=f"{language}@example.org", language=language,
                        performed_at=utcnow() - timedelta(days=3))
        patient.user.password_hash = _TEST_HASH
        db.session.commit()


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s['width']}x{s['height']}")
def test_an_incomplete_checkin_opens_on_the_summary_whose_links_reach_each_question(live, journey, size, language):
    heading, send, minutes = WORDS[language]
    _patient(live, language)
    tab = journey(f"patient-{language}", phone=True, locale="es-US" if language == "es" else "en-US")
    tab.page.set_viewport_size(size)
    sign_in(tab, f"{language}@example.org")
    page = tab.go("/patient/checkin", "checkin")
    # Some answers, no red flag, and questions left blank.
    page.locator("label:has(input[name=pain_now][value='6'])").click()
    page.locator("label:has(input[name=walking_level][value='2'])").click()
    page.locator("label:has(input[name=flag_neuro][value=no])").click()
    page.locator("#note").fill("Sore after the walk.")
    page.get_by_role("button", name=send).click()
    page.wait_for_load_state("load")
    tab.scan("checkin-refused")

    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading", level=2)).to_have_text(heading)
    expect(summary).to_be_focused()  # document.activeElement: a screen reader starts here
    assert page.evaluate(FOCUSED)[-1] == "error-summary"
    assert page.evaluate(OVERFLOW) == "", f"the refused check-in scrolls sideways at {size}"
    assert checkins(live) == (0, 0)

    # A typed answer: its link puts the cursor in the box, with its question in view.
    summary.locator("a[href='#minutes_upright']").click()
    expect(page.locator("#minutes_upright")).to_be_focused()
    expect(page.locator("label[for=minutes_upright]")).to_have_text(minutes)
    expect(page.locator("label[for=minutes_upright]")).to_be_in_viewport()
    # A question of choices: its link focuses the first choice, its question in view.
    summary.locator("a[href='#medication']").click()
    assert page.evaluate(FOCUSED)[:4] == ["INPUT", "", "medication", "medication"]
    expect(page.locator("#medication legend")).to_be_in_viewport()
    # Every link leads to a question of the page.
    for href in summary.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        expect(page.locator(href)).to_have_count(1)
    assert "#worst_pain" in summary.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")

    # Nothing answered is lost.
    expect(page.locator("input[name=pain_now][value='6']")).to_be_checked()
    expect(page.locator("input[name=walking_level][value='2']")).to_be_checked()
    expect(page.locator("input[name=flag_neuro][value=no]")).to_be_checked()
    expect(page.locator("#note")).to_have_value("Sore after the walk.")
    assert re.search(r"/patient/checkin$", page.url)
