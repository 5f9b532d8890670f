"""A patient with a printed letter: types its short code and their date of birth at /start on a
phone, chooses a password and lands on Today signed in. A wrong date of birth first shows the
error summary, focused, and keeps what they typed."""

import re

import pytest

from tests.conftest import _TEST_HASH

from .patient_steps import PASSWORD_PAGE
from .test_first_screen import OVERFLOW
from .world import PATIENT_PASSWORD, enrol, expect, make_user, sign_in

pytestmark = pytest.mark.browser

WORDS = {  # heading, the code field, the button, the first words of the refusal, Today's greeting
    "en": ("Start with your code", "Your code (10 letters and numbers)", "Continue",
           "That code and date of birth do not open an account", "Hello, Rosa Alvarez"),
    "es": ("Empiece con su código", "Su código (10 letras y números)", "Continuar",
           "Ese código y esa fecha de nacimiento no abren ninguna cuenta", "Hola, Rosa Alvarez"),
}
DATE_PARTS = {"en": ("Month", "Day", "Year"), "es": ("Mes", "Día", "Año")}


def _letter_code(live, journey, language) -> str:
    """Staff enrol the patient and print a new letter; the code as printed on it."""
    with live.context():
        staff = make_user("staff", "desk@clinic.example", "Dana Desk")
        staff.password_hash = _TEST_HASH
        patient_id = enrol(staff, language=language).id
    desk = journey("staff")
    sign_in(desk, "desk@clinic.example")
    page = desk.go(f"/staff/patients/{patient_id}")
    page.get_by_role("button", name="Issue a new invite link").click()
    desk.scan("letter")
    code = page.locator(".staff-letter .short-code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{3}-[A-Z2-9]{3}", code)
    return code


def _date_of_birth(page, language, month, day, year):
    for label, value in zip(DATE_PARTS[language], (month, day, year), strict=True):
        page.get_by_label(label, exact=True).fill(value)


@pytest.mark.parametrize(("language", "size"), [
    ("en", {"width": 390, "height": 844}), ("es", {"width": 320, "height": 568})],
    ids=["en-390x844", "es-320x568"])
def test_a_printed_code_and_date_of_birth_lead_to_a_password_and_today(live, journey, language, size):
    heading, code_label, button, refused, hello = WORDS[language]
    _title, new, repeat, save, done = PASSWORD_PAGE[language]
    code = _letter_code(live, journey, language)

    tab = journey("patient", phone=True, locale="es-US" if language == "es" else "en-US")
    tab.page.set_viewport_size(size)
    page = tab.go("/start", "start")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    # Typed as a person reads it aloud: small letters, spaces for the dashes; the year is wrong.
    typed = code.lower().replace("-", " ")
    page.get_by_label(code_label).fill(typed)
    _date_of_birth(page, language, "3", "2", "1949")
    page.get_by_role("button", name=button).click()
    tab.scan("start-refused")
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary.locator("a[href='#code']")).to_contain_text(refused)
    expect(page.get_by_label(code_label)).to_have_value(typed)  # kept, to correct the date only
    assert page.evaluate(OVERFLOW) == ""
    summary.locator("a[href='#code']").click()
    expect(page.get_by_label(code_label)).to_be_focused()

    _date_of_birth(page, language, "3", "2", "1948")
    page.get_by_role("button", name=button).click()
    tab.scan("start-password")
    expect(page.get_by_test_id("error-summary")).to_have_count(0)
    page.get_by_label(new).fill(PATIENT_PASSWORD)
    page.get_by_label(repeat).fill(PATIENT_PASSWORD)
    page.get_by_role("button", name=save).click()
    page.wait_for_url(re.compile(r"/patient/$"))
    tab.scan("today")
    expect(page.get_by_role("status")).to_have_text(done)
    expect(page.get_by_role("heading", name=hello)).to_be_visible()
    assert page.evaluate(OVERFLOW) == ""

    # The code works once: typed again on another phone, it is refused with the same words.
    again = journey("someone-else", phone=True, locale="es-US" if language == "es" else "en-US")
    page = again.go("/start", "start-again")
    page.get_by_label(code_label).fill(code)
    _date_of_birth(page, language, "3", "2", "1948")
    page.get_by_role("button", name=button).click()
    again.scan("start-spent")
    expect(page.get_by_test_id("error-summary")).to_be_focused()
    expect(page.get_by_test_id("error-summary")).to_contain_text(refused)
