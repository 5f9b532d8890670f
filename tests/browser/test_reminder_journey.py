"""The 72-hour reminder: the scheduler sends it at the chosen time; it is in the inbox and the mail."""

from datetime import timedelta

import pytest

from recovery.extensions import db
from recovery.models import CheckIn, utcnow
from tests.conftest import _TEST_HASH

from .world import daytime, dispatch, enrol, expect, link_in, make_user, sign_in

pytestmark = pytest.mark.browser


def test_the_72_hour_reminder_reaches_the_inbox_and_the_mailbox(live, mail, journey):
    now = utcnow()
    due = daytime(now)  # a daytime instant: quiet hours would hold the reminder until 08:00
    with live.context():
        staff = make_user("staff", "desk@clinic.example", "Dana Desk")
        patient = enrol(staff, performed_at=due - timedelta(hours=72, minutes=30))
        patient.user.password_hash = _TEST_HASH  # signed up already: no invitation is owed
        db.session.commit()
        dispatch(due - timedelta(hours=1))  # an hour early: nothing for the 72-hour check yet
        assert not [m for m in mail.messages if m["Subject"] == "Your 3-day check-in is due"]
        report = dispatch(due)
        assert report.sent, report
    (email,) = [m for m in mail.messages if m["Subject"] == "Your 3-day check-in is due"]
    assert email["To"] == "rosa@example.org"
    text = email.get_body(("plain",)).get_content()
    assert "It is time for your 3-day check-in." in text and "911" in text

    tab = journey("patient", phone=True)
    page = sign_in(tab, "rosa@example.org")
    # The unread count shows on the closed menu button; the Messages link is inside it.
    expect(page.get_by_test_id("menu-unread")).to_contain_text("1 new message")
    page.get_by_test_id("patient-menu").click()
    messages = page.get_by_test_id("nav-messages")
    expect(messages).to_contain_text("Messages (")
    messages.click()
    tab.scan("inbox")
    newest = page.locator("ol.inbox > li").first
    expect(newest).to_contain_text("Your 3-day check-in is due")
    expect(newest).to_contain_text("New")
    expect(newest.get_by_role("link", name="Check in now")).to_be_visible()

    if due != now:  # run at night: the link is for tomorrow's check-in, which has not begun
        return
    # The e-mail's one-time link opens today's check-in without signing in.
    page.context.clear_cookies()
    page.goto(link_in(email, "/c/"))
    tab.scan("emailed-checkin")
    expect(page.get_by_role("button", name="Send my check-in")).to_be_visible()
    with live.context():
        assert db.session.scalar(db.select(db.func.count()).select_from(CheckIn)) == 0
