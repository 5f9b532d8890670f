"""Before the idle sign-out, clinicians' and staff pages offer "Stay signed in": the page carries the
notice (shown by a static script, no inline JavaScript), and its button's POST keeps the session."""

import re
import time

from .conftest import csrf_token
from .pages import inline_javascript

KEEP = "/account/stay-signed-in"


def _age_session(client, seconds: int) -> None:
    with client.session_transaction() as session:
        session["last_seen"] = int(time.time()) - seconds


def _notice(html: str) -> str:
    match = re.search(r'<div class="idle-notice" id="idle-notice".*?</div>', html, re.S)
    assert match, "no idle notice on the page"
    return match.group(0)


def test_staff_pages_carry_the_notice_2_minutes_before_the_configured_limit(app, client, make_user, login):
    login(make_user("staff"))
    html = client.get("/staff/").get_data(as_text=True)
    notice = _notice(html)
    assert 'data-idle-seconds="900"' in notice and 'data-warn-seconds="120"' in notice  # 15 minutes, as before
    assert "hidden" in notice and "Stay signed in" in notice and f'data-keep-url="{KEEP}"' in notice
    assert re.search(r'<script src="/static/idle\.js\?v=[0-9a-f]{16}" defer></script>', html)
    assert inline_javascript(html) == []
    app.config["SESSION_IDLE_MINUTES_STAFF"] = 30
    assert 'data-idle-seconds="1800"' in _notice(client.get("/staff/").get_data(as_text=True))


def test_patient_pages_load_no_script_for_it(client, make_patient, login):
    login(make_patient().user)
    html = client.get("/patient/").get_data(as_text=True)
    assert "idle-notice" not in html and "idle.js" not in html


def test_the_button_keeps_a_session_that_would_otherwise_end(client, make_user, login):
    login(make_user("clinician"))
    token = csrf_token(client, "/clinic/")
    _age_session(client, 14 * 60)  # the notice is showing: about a minute left
    response = client.post(KEEP, headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.json == {"signed_in": True, "idle_seconds": 900}
    _age_session(client, 14 * 60)  # another 14 minutes: 28 since the page, 14 since the button
    assert client.get("/clinic/").status_code == 200


def test_it_needs_a_signed_in_session_that_has_not_already_ended(client, make_user, login):
    anonymous = client.post(KEEP, headers={"X-CSRFToken": csrf_token(client, "/login")})
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    login(make_user("staff"))
    token = csrf_token(client, "/staff/")
    _age_session(client, 16 * 60)  # too late: the sign-out comes first
    response = client.post(KEEP, headers={"X-CSRFToken": token})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/staff/").status_code == 302


def test_it_refuses_a_post_without_the_csrf_token(app, client, make_user, login):
    app.config["WTF_CSRF_ENABLED"] = True
    login(make_user("staff"))
    response = client.post(KEEP)
    assert response.status_code == 400
    assert client.post(KEEP, headers={"X-CSRFToken": "forged"}).status_code == 400
    token = csrf_token(client, "/staff/")
    assert client.post(KEEP, headers={"X-CSRFToken": token}).status_code == 200
