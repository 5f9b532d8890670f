"""Today's call links (the urgent notice) or the Check in button on the first screen of a small
phone, in English and Spanish, and no patient page wider than the screen."""

from datetime import timedelta

import pytest

from recovery.extensions import db
from recovery.models import utcnow
from recovery.services.checkins import save_checkin
from tests.answers import checkin_answers
from tests.conftest import _TEST_HASH

from .test_patient_accessibility import PATIENT_PAGES
from .world import enrol, make_user, sign_in

pytestmark = pytest.mark.browser

SIZES = ({"width": 320, "height": 568}, {"width": 390, "height": 844})  # axe scans on the smaller
ANSWERS = checkin_answers(pain_now=5, worst_pain=7)
IN_FIRST_SCREEN = """sel => { const el = document.querySelector(sel); if (!el) return 'missing ' + sel;
  const r = el.getBoundingClientRect();
  return r.top >= 0 && r.bottom <= window.innerHeight ? '' : `${sel} at ${Math.round(r.top)}-${Math.round(r.bottom)}`
    + ` on a ${window.innerHeight}px screen`; }"""
OVERFLOW = """() => document.scrollingElement.scrollWidth <= window.innerWidth ? ''
  : `${document.scrollingElement.scrollWidth}px wide on a ${window.innerWidth}px screen`"""


def _patients(live):
    now = utcnow()
    with live.context():
        staff = make_user("staff", "desk@clinic.example", "Dana Desk")
        plain = enrol(staff, performed_at=now - timedelta(days=3))
        urgent_en = enrol(staff, name="Ann Chest", email="ann@example.org", record="MRN-5002",
                          performed_at=now - timedelta(days=3))
        urgent_es = enrol(staff, name="Luz Calf", email="luz@example.org", record="MRN-5003", language="es",
                          performed_at=now - timedelta(days=3))
        plain_es = enrol(staff, name="Eva Plain", email="eva@example.org", record="MRN-5004", language="es",
                         performed_at=now - timedelta(days=3))
        for p in (plain, urgent_en, urgent_es, plain_es):
            p.user.password_hash = _TEST_HASH
        save_checkin(urgent_en, {**ANSWERS, "flag_chest": "yes", "flag_calf": "yes"}, now - timedelta(minutes=5))
        save_checkin(urgent_es, {**ANSWERS, "flag_calf": "yes"}, now - timedelta(minutes=5))
        db.session.commit()


CASES = [
    pytest.param(login, locale, selector, id=login.split("@")[0])
    for login, locale, selector in (
        ("rosa@example.org", "en-US", "a.button[href$='/patient/checkin']"),
        ("eva@example.org", "es-ES", "a.button[href$='/patient/checkin']"),
        ("ann@example.org", "en-US", "[data-testid=notice-911]"),
        ("luz@example.org", "es-ES", "[data-testid=notice-phones] li:first-child a[href^='tel:']"),
    )
]


@pytest.mark.parametrize(("login", "locale", "selector"), CASES)
def test_first_screen_and_no_sideways_scrolling(live, journey, login, locale, selector):
    """On each phone size in turn; axe scans each page on the first size (the pages are the same)."""
    _patients(live)
    problems = []
    tab = journey(login.split("@")[0], phone=True, locale=locale)
    for n, size in enumerate(SIZES):
        tab.page.set_viewport_size(size)
        visit = tab.open if n else tab.go
        if not n:
            sign_in(tab, login)
        screen = f"{login} at {size['width']}x{size['height']}"
        page = visit("/patient/")
        where = page.evaluate(IN_FIRST_SCREEN, selector)
        if where:
            problems.append(f"{screen}: {where}")
        for path in PATIENT_PAGES:
            page = visit(path)
            wide = page.evaluate(OVERFLOW)
            if wide:
                problems.append(f"{screen} {path}: {wide}")
    assert problems == [], "\n".join(problems)
