"""Staff idle on a page see "Stay signed in" before the sign-out; the button keeps the session,
and doing nothing still signs them out. Run under the page's own Content-Security-Policy with
a 15-second idle limit (the notice comes halfway, 7 seconds before the end)."""

import time

import pytest
from playwright.sync_api import expect

from .world import make_user, sign_in

pytestmark = pytest.mark.browser
LIMIT_MINUTES = 0.25  # 15 seconds


def test_stay_signed_in_keeps_the_session_and_doing_nothing_signs_out(live, journey):
    with live.context():
        make_user("staff", "desk@clinic.example", "Dana Desk")
    config = live.app.config
    before = config["SESSION_IDLE_MINUTES_STAFF"]
    config["SESSION_IDLE_MINUTES_STAFF"] = LIMIT_MINUTES
    try:
        tab = journey("staff", bypass_csp=False)
        page = sign_in(tab, "desk@clinic.example")
        loaded = time.monotonic()
        notice = page.get_by_role("alertdialog")
        expect(notice).to_be_hidden()
        expect(notice).to_be_visible(timeout=20_000)
        expect(notice).to_contain_text("You will be signed out soon")
        tab.scan("idle-notice")
        notice.get_by_role("button", name="Stay signed in").click()
        expect(notice).to_be_hidden()
        # Past the moment the first page's session would have ended (15 s, and the page reloads at 17 s).
        page.wait_for_timeout(max(0, 19 - (time.monotonic() - loaded)) * 1000)
        page.reload()
        expect(page).to_have_url(f"{live.url}/staff/")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        # Now nothing is done: the notice returns, then the page goes to the sign-in page.
        expect(notice).to_be_visible(timeout=20_000)
        expect(page.get_by_text("signed out after a period of inactivity")).to_be_visible(timeout=30_000)
        assert "/login" in page.url
        tab.scan("signed-out")
    finally:
        config["SESSION_IDLE_MINUTES_STAFF"] = before
