"""A patient on a phone: invite link, password, today's check-in, progress chart, a red flag."""

import re

import pytest

from tests.answers import checkin_answers

from .patient_steps import accept_invite, checkins, invited_patient
from .world import expect

pytestmark = pytest.mark.browser

ANSWERS = checkin_answers(form=True, without=('minutes_upright', 'flag_neuro', 'flag_chest', 'flag_infection', 'flag_calf'))
FLAGS = ("flag_neuro", "flag_chest", "flag_infection", "flag_calf")


def fill_checkin(page, minutes="30", flags=()):
    """Answer every question the way a person taps them."""
    for name, value in ANSWERS.items():
        page.locator(f"label:has(input[name={name}][value='{value}'])").click()
    page.get_by_label("For how many minutes at a time can you stand or walk?").fill(minutes)
    for flag in FLAGS:
        answer = "yes" if flag in flags else "no"
        page.locator(f"label:has(input[name={flag}][value={answer}])").click()


def test_patient_sets_password_checks_in_sees_progress_then_reports_a_red_flag(live, mail, journey):
    link = invited_patient(live, mail)
    tab = journey("patient", phone=True)
    page = accept_invite(tab, link)
    expect(page.get_by_role("heading", name="Hello, Rosa Alvarez")).to_be_visible()
    expect(page.get_by_test_id("checkin-status")).to_contain_text("Today's check-in is not done yet.")
    expect(page.get_by_test_id("safety-banner")).to_contain_text("911")

    page.get_by_role("link", name="Check in now").click()
    tab.scan("checkin-form")
    # Bad input: a number past the field's maximum, typed in. The message sits by the field.
    fill_checkin(page, minutes="2000")
    page.get_by_role("button", name="Send my check-in").click()
    tab.scan("checkin-refused")
    expect(page.get_by_role("alert").first).to_contain_text("Nothing was saved")
    field = page.locator(".field", has=page.locator("#minutes_upright"))
    expect(field.locator(".error")).to_be_visible()
    expect(page.locator("#minutes_upright")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#minutes_upright")).to_have_value("2000")
    assert checkins(live) == (0, 0)

    # A double-clicked submit stores one check-in, and says it was saved (not "updated").
    page.get_by_label("For how many minutes at a time can you stand or walk?").fill("30")
    send = page.get_by_role("button", name="Send my check-in")
    send.scroll_into_view_if_needed()
    box = send.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    with live.held_response("/patient/checkin") as arrived:
        page.mouse.click(x, y)
        assert arrived.wait(timeout=15), "the check-in never reached the server"
        page.mouse.click(x, y)  # the page still shows the form: a second, impatient click
    page.wait_for_url(re.compile(r"/patient/$"))
    tab.scan("progress")
    expect(page.get_by_role("status")).to_have_text("Thank you. Your check-in for today is saved.")
    assert checkins(live) == (1, 0)
    expect(page.get_by_test_id("checkin-status")).to_contain_text("Today's check-in is done.")
    expect(page.get_by_test_id("pain-sentence")).to_contain_text("4")
    chart = page.get_by_test_id("pain-chart")  # drawn on the server: no script to wait for
    expect(chart).to_be_visible()
    expect(chart.locator("circle[data-day]")).to_have_count(1)
    expect(chart.locator("circle[data-day]")).to_have_attribute("data-pain", "4")

    # A red flag: the next page says what to do at once.
    page.get_by_role("link", name="Change today's check-in").click()
    tab.scan("checkin-again")
    fill_checkin(page, flags=("flag_chest",))
    page.get_by_role("button", name="Update today's check-in").click()
    tab.scan("urgent")
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile("911|emergency", re.I))
    expect(page.locator("main a[href='tel:911']").first).to_be_visible()
    assert checkins(live) == (1, 1)
