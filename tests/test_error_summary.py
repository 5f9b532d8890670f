"""A refused form opens with an error summary: "There is a problem", each problem named by its
question and linked to its field, in page order, focused by a static script; answers kept."""

import re

import pytest
from wtforms import Form, StringField

from recovery import short_codes
from recovery.error_summary import Problem, problems
from recovery.extensions import db
from recovery.models import CheckIn, utcnow
from recovery.services import accounts

from .conftest import csrf_token
from .pages import inline_javascript

SUMMARY = re.compile(r'<div class="error-summary" tabindex="-1" data-error-summary[^>]*>(.*?)</div>\s*</div>', re.S)


def summary_of(html: str) -> tuple[str, list[tuple[str | None, str]]]:
    """The summary's heading and its lines as (link target or None, text), checking that every
    link leads to an element of the page and that the summary comes before the form it lists."""
    found = SUMMARY.search(html)
    assert found, "no error summary on the page"
    body = found.group(1)
    heading = re.search(r"<h2>(.*?)</h2>", body).group(1)
    lines = []
    for item in re.findall(r"<li>(.*?)</li>", body, re.S):
        link = re.search(r'<a href="#([^"]+)">', item)
        text = " ".join(re.sub(r"<[^>]+>", " ", item).split())
        if link:
            target = html.find(f'id="{link.group(1)}"')
            assert target > found.end(), f"#{link.group(1)} is not on the page below the summary"
        lines.append((link.group(1) if link else None, text))
    assert 'role="alert"' in body
    assert re.search(r'<script src="/static/error-summary\.js\?v=[0-9a-f]{16}" defer></script>', html)
    assert inline_javascript(html) == []
    return heading, lines


# --- the list itself ---------------------------------------------------------------------------

FORM = """<form><fieldset id="walk"><legend>How well can you <b>walk</b> today?</legend>
<label><input type="radio" name="walk" value="1"> A little</label></fieldset>
<label for="minutes">Minutes</label><input id="minutes" name="minutes">
<input type="hidden" id="csrf_token" name="csrf_token"></form>"""


def test_problems_are_named_by_their_label_in_page_order_and_unlabelled_ones_come_first():
    errors = {"minutes": "Enter a number.", "walk": "Choose one.", "form": "Check-ins are closed."}
    assert problems(errors, FORM) == [
        Problem(None, "", "Check-ins are closed."),
        Problem("walk", "How well can you walk today?", "Choose one."),
        Problem("minutes", "Minutes", "Enter a number."),
    ]
    assert [p.lead for p in problems(errors, FORM)] == ["", "How well can you walk today?", "Minutes:"]
    assert problems({}, FORM) == [] and problems(None, FORM) == []


def test_a_wtforms_form_gives_its_fields_first_messages_by_their_html_id():
    class Two(Form):
        minutes = StringField("Minutes")
        csrf_token = StringField()

    form = Two()
    form.minutes.errors = ["Enter a number.", "And more words."]
    form.csrf_token.errors = ["The form expired."]
    assert problems(form, FORM) == [Problem(None, "", "The form expired."),
                                    Problem("minutes", "Minutes", "Enter a number.")]


# --- the patient's forms -----------------------------------------------------------------------

PARTIAL = {"pain_now": "6", "walking_level": "2", "flag_neuro": "no", "note": "Sore today."}


@pytest.fixture
def patient(make_patient, login):
    return login(make_patient(name="Ada Lovelace").user).patient


def _post(client, url, **data):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, url)})


def test_an_incomplete_checkin_lists_each_missing_question_links_it_and_keeps_the_answers(client, patient):
    response = _post(client, "/patient/checkin", **PARTIAL)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    heading, lines = summary_of(html)
    assert heading == "There is a problem"
    assert "Nothing was saved. Please check the answers marked below." in html
    targets = [target for target, _text in lines]
    assert targets == ["flag_chest", "flag_infection", "flag_calf",  # warning signs first,
                       "worst_pain", "minutes_upright", "medication", "sleep_disturbed"]  # as the form asks
    assert dict(lines)["worst_pain"] == ("How bad was your worst pain in the last 24 hours? "
                           "Please enter a whole number from 0 to 10.")
    # each message stays by its field too, which points to it
    assert re.search(r'id="worst_pain"\s+aria-describedby="worst_pain-error"', html)
    assert '<p class="error" id="worst_pain-error" data-field="worst_pain">' in html
    # nothing given is lost
    assert re.search(r'name="pain_now" value="6" checked', html)
    assert re.search(r'name="walking_level" value="2" checked', html)
    assert re.search(r'name="flag_neuro" value="no" checked', html) and "Sore today.</textarea>" in html
    assert db.session.scalar(db.select(db.func.count()).select_from(CheckIn)) == 0  # no red flag: nothing written


def test_a_form_without_problems_has_no_summary_and_no_summary_script(client, patient):
    html = client.get("/patient/checkin").get_data(as_text=True)
    assert "error-summary" not in html and "There is a problem" not in html


def test_the_summary_speaks_the_patients_language(client, make_patient, login):
    login(make_patient(preferred_language="es").user)
    heading, lines = summary_of(_post(client, "/patient/checkin", **PARTIAL).get_data(as_text=True))
    assert heading == "Hay un problema"
    assert "Escriba un número entero del 0 al 10." in dict(lines)["worst_pain"]
    heading, _lines = summary_of(_post(client, "/patient/settings", reminder_time="03:00").get_data(as_text=True))
    assert heading == "Hay un problema"


def test_refused_settings_list_the_time_by_its_question(client, patient):
    response = _post(client, "/patient/settings", email_reminders="yes", reminder_time="03:00",
                     timezone="America/Chicago", preferred_language="en")
    assert response.status_code == 400
    _heading, lines = summary_of(response.get_data(as_text=True))
    assert lines == [("reminder_time", "Time of your daily check-in reminder (between 08:00 and 20:30): "
                                       "Choose a time between 08:00 and 20:30.")]


def test_sign_in_set_password_and_the_short_code_page_open_with_the_summary(client, make_patient):
    patient = make_patient()
    response = _post(client, "/login", login=patient.user.email, password="not-the-password")
    _heading, lines = summary_of(response.get_data(as_text=True))
    assert lines == [("password", "Password: That e-mail and password do not match an active account.")]
    assert 'aria-describedby="password-error"' in response.get_data(as_text=True)

    token = accounts.issue_set_password_token(patient.user, utcnow())
    db.session.commit()
    response = _post(client, f"/set-password/{token}", password="short", confirm="short")
    assert response.status_code == 400
    _heading, lines = summary_of(response.get_data(as_text=True))
    assert [target for target, _text in lines] == ["password"]

    dob = patient.date_of_birth
    step1 = {"code": "ABCD-EFG-HJK", "month": str(dob.month), "day": str(dob.day), "year": str(dob.year)}
    html = _post(client, "/start", **step1).get_data(as_text=True)
    _heading, lines = summary_of(html)
    assert [target for target, _text in lines] == ["code"]
    assert lines[0][1].startswith("Your code (10 letters and numbers): That code and date of birth")
    assert 'aria-describedby="code-hint code-error"' in html
    assert re.search(rf'id="month"[^>]*value="{dob.month}"', html)  # the date of birth is kept

    step2 = {**step1, "code": short_codes.code_for(token), "step": "2", "password": "x", "confirm": "x"}
    _heading, lines = summary_of(_post(client, "/start", **step2).get_data(as_text=True))
    assert [target for target, _text in lines] == ["password"]


# --- the staff's forms -------------------------------------------------------------------------


@pytest.fixture
def staff(make_user, login):
    return login(make_user("staff"))


def test_staff_forms_open_with_the_summary_in_page_order(client, staff, make_patient):
    patient = make_patient()
    _heading, lines = summary_of(_post(client, "/staff/patients/new", display_name="Ann",
                                       email="not-an-address").get_data(as_text=True))
    assert [target for target, _text in lines] == ["record_number", "date_of_birth", "phone", "email"]
    assert 'value="Ann"' in _post(client, "/staff/patients/new", display_name="Ann").get_data(as_text=True)

    _heading, lines = summary_of(_post(client, f"/staff/patients/{patient.id}/procedures/new").get_data(as_text=True))
    assert [t for t, _text in lines][:3] == ["type", "performed_at", "levels"]
    assert ("cement_leakage", "Cement leakage seen? Please answer yes or no.") not in lines  # optional

    html = _post(client, f"/staff/patients/{patient.id}/appointments", kind="follow_up",
                 scheduled_for="").get_data(as_text=True)
    _heading, lines = summary_of(html)
    assert lines == [("scheduled_for", "Date and time (clinic time): Please enter a date and time.")]

    html = _post(client, f"/staff/patients/{patient.id}/checkin", pain_now="4").get_data(as_text=True)
    _heading, lines = summary_of(html)
    targets = [t for t, _text in lines]
    assert targets[:4] == ["flag_neuro", "flag_chest", "flag_infection", "flag_calf"]  # warning signs first
    assert targets[4:7] == ["worst_pain", "walking_level", "minutes_upright"]
    assert 'id="pain_now" name="pain_now" type="number" value="4"' in html
