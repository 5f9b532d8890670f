"""Patient pages on a 390x844 phone: keyboard alone, labels, type size, tap targets, no colour-only signal."""

from datetime import timedelta

import pytest

from recovery.extensions import db
from recovery.models import CheckIn, utcnow
from recovery.services.checkins import save_checkin
from tests.conftest import _TEST_HASH

from .world import enrol, expect, make_user, sign_in

pytestmark = pytest.mark.browser

PATIENT_PAGES = ("/patient/", "/patient/checkin", "/patient/history", "/patient/expect", "/patient/inbox",
                 "/patient/settings", "/patient/questionnaires/rmdq", "/patient/questionnaires/global_impression")

# One pass over the page in the browser: what a phone user would trip over.
MEASURE = """() => {
  const problems = [];
  const visible = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const name = el => (el.id ? '#' + el.id : el.tagName.toLowerCase()) + ' "' +
    (el.innerText || el.value || '').trim().slice(0, 30) + '"';
  // Text: 16 px at least, wherever there are words.
  for (const el of document.querySelectorAll('main *, header *, aside *')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (own && visible(el) && !el.closest('svg') && parseFloat(getComputedStyle(el).fontSize) < 16) {
      problems.push('text under 16px: ' + name(el) + ' ' + getComputedStyle(el).fontSize);
    }
  }
  // Tap targets: 44 x 44 px, except a link inside a sentence (WCAG's inline exception).
  const targets = document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary');
  for (const el of targets) {
    if (!visible(el)) continue;
    let box = el;
    if (el.matches('input[type=radio], input[type=checkbox]')) box = el.closest('label') || el;
    if (el.matches('a') && !el.matches('.button, .tel') && !el.closest('nav')) {
      const parent = el.parentElement;
      const words = [...parent.childNodes].filter(n => n !== el &&
        (n.nodeType === 3 ? n.textContent.trim() : visible(n) && n.innerText && n.innerText.trim()));
      if (words.length) continue;  // inline in a sentence
    }
    const r = box.getBoundingClientRect();
    if (r.height < 44 || r.width < 44) {
      problems.push(`tap target ${Math.round(r.width)}x${Math.round(r.height)}: ${name(el)}`);
    }
  }
  // Every field has a label a screen reader reads out.
  for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    const labelled = [...el.labels].some(l => l.innerText.trim()) || el.getAttribute('aria-label');
    const grouped = el.matches('[type=radio], [type=checkbox]') && el.closest('fieldset')?.querySelector('legend');
    if (!labelled || (el.matches('[type=radio]') && !grouped)) problems.push('field without a label: ' + name(el));
  }
  // Nothing wider than the phone.
  if (document.documentElement.scrollWidth > window.innerWidth) {
    problems.push(`page is ${document.documentElement.scrollWidth}px wide on a ${window.innerWidth}px screen`);
  }
  return problems;
}"""


@pytest.fixture
def patient_with_history(live):
    now = utcnow()
    with live.context():
        staff = make_user("staff", "desk@clinic.example", "Dana Desk")
        patient = enrol(staff, performed_at=now - timedelta(days=3))
        patient.user.password_hash = _TEST_HASH
        answers = {"pain_now": 7, "worst_pain": 8, "walking_level": 1, "minutes_upright": 10,
                   "medication": "prescription", "sleep_disturbed": "yes", "flag_neuro": "no",
                   "flag_chest": "no", "flag_infection": "no", "flag_calf": "no"}
        save_checkin(patient, answers, now - timedelta(days=2))
        save_checkin(patient, {**answers, "pain_now": 5, "flag_infection": "yes"}, now - timedelta(days=1))
        db.session.commit()
        return patient.id


def test_patient_pages_fit_a_phone_with_large_text_big_targets_and_labels(live, journey, patient_with_history):
    tab = journey("patient", phone=True)
    sign_in(tab, "rosa@example.org")
    problems = {}
    for path in PATIENT_PAGES:
        page = tab.go(path)
        found = page.evaluate(MEASURE)
        if found:
            problems[path] = found
    assert problems == {}, "\n".join(f"{path}: {p}" for path, found in problems.items() for p in found)


def test_the_questionnaires_fit_a_320_px_phone_at_200_percent_zoom(live, journey, patient_with_history):
    """At 200% zoom a 320 px phone lays the page out 160 CSS px wide: every statement and answer
    still wraps inside the screen and stays a 44 px tap target (the 72-hour point is open)."""
    tab = journey("patient", phone=True)
    sign_in(tab, "rosa@example.org")
    tab.page.set_viewport_size({"width": 160, "height": 284})
    problems = {}
    for path in ("/patient/", "/patient/questionnaires/rmdq", "/patient/questionnaires/global_impression"):
        page = tab.go(path)
        found = page.evaluate(MEASURE)
        if found:
            problems[path] = found
    assert problems == {}, "\n".join(f"{path}: {p}" for path, found in problems.items() for p in found)
    page = tab.go("/patient/questionnaires/rmdq")
    expect(page.locator("input[type=checkbox]")).to_have_count(24)
    page.get_by_label("I only walk short distances because of my back.").check()
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url(f"{live.url}/patient/")
    expect(page.get_by_role("status")).to_have_text("Thank you. Your answers are saved.")


def test_pain_and_warnings_carry_numbers_and_words_not_only_colour(live, journey, patient_with_history):
    tab = journey("patient", phone=True)
    sign_in(tab, "rosa@example.org")
    page = tab.go("/patient/checkin")
    labels = page.locator("fieldset#pain_now label")
    expect(labels).to_have_count(11)
    for n, text in enumerate(labels.all_inner_texts()):
        number, *words = text.split()
        assert number == str(n) and words, text

    page = tab.go("/patient/history")
    history = page.locator("main").inner_text()
    assert "5/10 (Moderate)" in history and "7/10 (Severe)" in history, history
    for badge in page.locator(".badge").all_inner_texts():  # every coloured badge says it in words
        assert badge.strip(), "a badge with colour and no words"
    expect(page.locator(".badge.bad").first).to_contain_text("Warning sign")


def test_check_in_by_keyboard_alone(live, journey, patient_with_history):
    tab = journey("patient", phone=True)
    sign_in(tab, "rosa@example.org")
    page = tab.go("/patient/checkin")
    keys = page.keyboard
    for _ in range(40):  # from the top of the page, Tab until the first question has the focus
        keys.press("Tab")
        if page.evaluate("() => document.activeElement.name") == "flag_neuro":
            break
    else:
        pytest.fail("Tab never reached the first question (the warning signs come first)")

    def choose(steps):
        """Space picks the focused choice; each arrow moves to (and picks) the next one."""
        keys.press("Space")
        for _ in range(steps):
            keys.press("ArrowRight")

    choose(1)                 # the first warning sign: "No"
    for _ in range(3):        # the other three warning signs: "No"
        keys.press("Tab")
        choose(1)
    keys.press("Tab")
    choose(3)                 # pain now: 3
    keys.press("Tab")
    choose(5)                 # worst pain: 5
    keys.press("Tab")
    choose(3)                 # walks indoors unaided
    keys.press("Tab")
    keys.type("45")           # minutes upright
    keys.press("Tab")
    choose(1)                 # over-the-counter
    keys.press("Tab")
    choose(1)                 # sleep disturbed: "No"
    keys.press("Tab")
    keys.type("Typed with the keyboard")
    keys.press("Tab")
    assert page.evaluate("() => document.activeElement.type") == "submit"
    keys.press("Enter")
    page.wait_for_url(f"{live.url}/patient/")
    tab.scan("saved-by-keyboard")
    expect(page.get_by_role("status")).to_have_text("Thank you. Your check-in for today is saved.")
    with live.context():
        today = db.session.scalars(db.select(CheckIn).order_by(CheckIn.local_date.desc())).first()
        assert (today.pain_now, today.worst_pain, today.walking_level, today.minutes_upright, today.medication,
                today.sleep_disturbed, today.red_flags, today.note) == (
            3, 5, 3, 45, "otc", False, [], "Typed with the keyboard")


def test_todays_pain_chart_is_drawn_without_scripts_on_a_phone(live, journey, patient_with_history):
    tab = journey("patient", phone=True, bypass_csp=False)  # the real CSP, as on a patient's phone
    sign_in(tab, "rosa@example.org")
    scripts = []
    tab.page.on("request", lambda r: r.resource_type == "script" and scripts.append(r.url))
    page = tab.go("/patient/")
    chart = page.locator("svg[data-testid=pain-chart]")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box["width"] > 300 and box["x"] >= 0 and box["x"] + box["width"] <= 390, box  # fits the phone
    points = page.locator("svg[data-testid=pain-chart] circle[data-day]")
    expect(points).to_have_count(2)
    assert [points.nth(i).get_attribute("data-pain") for i in range(2)] == ["7", "5"]
    expect(page.get_by_role("img", name="Chart of your pain each day since your procedure.")).to_be_visible()
    assert scripts == []  # no plotly.js, no charts.js: nothing to download or run for the chart
    page.get_by_text("Show your pain as a table").click()
    expect(page.get_by_test_id("pain-table")).to_be_visible()


def test_the_back_score_history_reads_on_a_320_px_phone_and_at_200_percent_zoom(live, journey,
                                                                                patient_with_history):
    """RMDQ 18 before the procedure and 9 at the 72-hour point: the plain sentence, lower-is-better
    and the list fit a 320 px screen (and 160 CSS px at 200% zoom) with 16 px text."""
    from recovery.models import Patient
    from recovery.services import questionnaires

    with live.context():
        patient = db.session.get(Patient, patient_with_history)
        performed = patient.current_procedure.performed_at
        questionnaires.submit(patient, "rmdq", {str(n): "yes" for n in range(1, 19)}, performed - timedelta(days=1))
        questionnaires.submit(patient, "rmdq", {str(n): "yes" for n in range(1, 10)}, utcnow())
        db.session.commit()
    tab = journey("patient", phone=True)
    sign_in(tab, "rosa@example.org")
    for width, height in ((320, 568), (160, 284)):
        tab.page.set_viewport_size({"width": width, "height": height})
        page = tab.go("/patient/")
        card = page.get_by_test_id("back-scores")
        expect(card).to_contain_text("Your back-function score went from 18 to 9.")
        expect(card).to_contain_text("A lower score is better.")
        assert page.evaluate(MEASURE) == [], width
