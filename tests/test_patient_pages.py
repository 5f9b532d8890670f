"""The patient's pages: check in, see the history, know what to expect and whom to call."""

import html as html_lib
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from recovery.extensions import db
from recovery.models import Alert, CheckIn, CheckInRevision, utcnow
from tests.answers import checkin_answers

from .conftest import csrf_token

ANSWERS = checkin_answers(form=True, note='')
NOT_WATCHED = "Check-ins are not watched around the clock."


def _text(response) -> str:
    """The page as a person reads it: entities such as &#39; turned back into characters."""
    return html_lib.unescape(response.get_data(as_text=True))


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _submit(client, drop=(), **changes):
    """Post the check-in form as a browser would, with `changes` and without `drop`."""
    data = {k: v for k, v in {**ANSWERS, **changes}.items() if k not in drop}
    data["csrf_token"] = csrf_token(client, "/patient/checkin")
    return client.post("/patient/checkin", data=data)


def _error_next_to(html: str, field: str) -> str:
    """The error message shown inside `field`'s own block of the form ('' when there is none)."""
    start = html.find(f'id="{field}"')
    assert start != -1, f"no field {field} on the page"
    end = html.find('class="field', start)
    block = html[start:end if end != -1 else len(html)]
    match = re.search(rf'<p class="error" id="{field}-error"[^>]*>([^<]*)</p>', block)
    return match.group(1) if match else ""


@pytest.fixture
def patient(make_patient, login):
    """A signed-in patient whose procedure was two days ago, with baseline pain 8."""
    p = make_patient(name="Ada Lovelace")
    login(p.user)
    return p


def test_checkin_is_saved_and_shown_in_history(client, patient):
    response = _submit(client, note="Walked to the mailbox.")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/patient/")
    home = _text(client.get("/patient/"))
    assert "Thank you. Your check-in for today is saved." in home
    assert "Today's check-in is done." in home
    history = _text(client.get("/patient/history"))
    assert "4/10" in history and "(Moderate)" in history and "6/10" in history
    assert "Walks indoors with an aid" in history
    assert "Over-the-counter" in history
    assert "No warning signs reported." in history
    checkin = db.session.scalar(select(CheckIn))
    detail = _text(client.get(f"/patient/checkins/{checkin.id}"))
    assert "Walked to the mailbox." in detail
    assert "20" in detail


def test_home_before_checking_in_offers_the_big_button_and_the_day(client, patient):
    html = _text(client.get("/patient/"))
    assert "Hello, Ada Lovelace" in html
    assert "Today's check-in is not done yet." in html
    assert 'class="button big" href="/patient/checkin"' in html
    zone = ZoneInfo(patient.timezone)
    performed = patient.current_procedure.performed_at.astimezone(zone).date()
    day = (utcnow().astimezone(zone).date() - performed).days
    assert f"Today is day {day} after your procedure" in html
    assert "Relief can be immediate or take up to 72 hours." in html


def test_resubmitting_the_same_day_updates_the_one_checkin(client, patient):
    _submit(client, pain_now="5", worst_pain="7")
    form = _text(client.get("/patient/checkin"))
    assert "Sending this form again updates today's check-in" in form
    assert 'name="pain_now" value="5" checked' in form  # prefilled with today's answers
    assert _submit(client, pain_now="2", worst_pain="3").status_code == 302
    assert _count(CheckIn) == 1
    assert _count(CheckInRevision) == 1
    revision = db.session.scalar(select(CheckInRevision))
    assert revision.snapshot["pain_now"] == 5
    home = _text(client.get("/patient/"))
    assert "Thank you. Today's check-in is updated." in home
    history = _text(client.get("/patient/history"))
    assert "2/10" in history and "5/10" not in history


def test_double_submission_never_makes_two_rows(client, patient):
    data = {**ANSWERS, "csrf_token": csrf_token(client, "/patient/checkin")}
    first = client.post("/patient/checkin", data=data)
    second = client.post("/patient/checkin", data=data)
    assert first.status_code == second.status_code == 302
    assert _count(CheckIn) == 1


def test_chest_pain_says_call_911_and_raises_one_alert_even_when_resubmitted(client, patient):
    response = _submit(client, flag_chest="yes")
    html = _text(response)
    assert response.status_code == 200
    assert "Call 911 now" in html
    assert "Chest pain or shortness of breath" in html
    assert "Call the clinic now" not in html
    assert _count(Alert) == 1
    assert _submit(client, flag_chest="yes").status_code == 200
    assert _count(Alert) == 1
    alert = db.session.scalar(select(Alert))
    assert (alert.detail, alert.severity) == ("flag_chest", "urgent")


@pytest.mark.parametrize("flag, label", [
    ("flag_neuro", "New weakness or numbness in the legs"),
    ("flag_infection", "Fever, or redness or discharge at the needle site"),
    ("flag_calf", "New calf pain or swelling"),
])
def test_other_red_flags_say_call_the_clinic_now_with_both_numbers(client, patient, flag, label):
    html = _text(_submit(client, **{flag: "yes"}))
    urgent = html[html.index('<section class="urgent"'):]
    assert "Call the clinic now" in urgent
    assert "(219) 555-0100" in urgent and "(219) 555-0199" in urgent
    assert "emergency room" in urgent
    assert label in urgent
    assert "Call 911 now" not in html
    assert _count(Alert) == 1


def test_a_later_no_does_not_erase_a_reported_red_flag(client, patient):
    _submit(client, flag_neuro="yes")
    form = _text(client.get("/patient/checkin"))
    assert "stays on today's check-in" in form
    _submit(client, flag_neuro="no")
    checkin = db.session.scalar(select(CheckIn))
    assert checkin.flag_neuro is True
    assert _count(Alert) == 1
    history = _text(client.get("/patient/history"))
    assert "Warning sign" in history and "New weakness or numbness in the legs" in history


@pytest.mark.parametrize("changes, drop, field, message", [
    ({"pain_now": "11"}, (), "pain_now", "Please enter a whole number from 0 to 10."),
    ({"pain_now": "-1"}, (), "pain_now", "Please enter a whole number from 0 to 10."),
    ({"worst_pain": "abc"}, (), "worst_pain", "Please enter a whole number from 0 to 10."),
    ({"minutes_upright": "lots"}, (), "minutes_upright",
     "Please enter a whole number from 0 to 1440."),
    ({"medication": "morphine-ish"}, (), "medication", "Please choose one of the options."),
    ({"note": "x" * 1001}, (), "note", "Please keep this to 1000 characters or fewer."),
    ({}, ("sleep_disturbed",), "sleep_disturbed", "Please answer yes or no."),
    ({}, ("flag_calf",), "flag_calf", "Please answer yes or no."),
    ({}, ("walking_level",), "walking_level", "Please enter a whole number from 0 to 4."),
    ({"pain_now": "7", "worst_pain": "3"}, (), "worst_pain",
     "Worst pain cannot be lower than pain now."),
])
def test_bad_answers_are_refused_next_to_the_field_and_nothing_is_written(
    client, patient, changes, drop, field, message
):
    before = (_count(CheckIn), _count(Alert))
    # Every red flag answered no: the refusal writes nothing (a yes is saved: test_partial_redflag.py).
    response = _submit(client, drop=drop, flag_chest="no", **changes)
    html = _text(response)
    assert response.status_code == 400
    assert _error_next_to(html, field) == message
    assert "Nothing was saved." in html
    assert (_count(CheckIn), _count(Alert)) == before == (0, 0)


def test_bad_answers_keep_what_was_typed(client, patient):
    html = _text(_submit(client, pain_now="11", worst_pain="9", note="Still sore"))
    assert 'name="worst_pain" value="9" checked' in html
    assert ">Still sore</textarea>" in html


def test_a_refused_update_leaves_todays_checkin_as_it_was(client, patient):
    _submit(client, pain_now="3", worst_pain="5")
    assert _submit(client, pain_now="11").status_code == 400
    checkin = db.session.scalar(select(CheckIn))
    assert checkin.pain_now == 3
    assert _count(CheckInRevision) == 0


def test_checkin_without_csrf_token_is_refused(client, patient):
    response = client.post("/patient/checkin", data=ANSWERS)
    assert response.status_code == 400
    assert _count(CheckIn) == 0


def test_patient_cannot_open_another_patients_checkin(client, make_patient, login):
    a, b = make_patient(), make_patient()
    login(b.user)
    _submit(client)
    b_checkin = db.session.scalar(select(CheckIn).where(CheckIn.patient_id == b.id))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/patient/")})
    login(a.user)
    assert client.get(f"/patient/checkins/{b_checkin.id}").status_code == 404
    assert client.get("/patient/checkins/999999").status_code == 404
    assert "You have no check-ins yet." in _text(client.get("/patient/history"))


def test_the_not_watched_and_911_notice_is_on_every_patient_page(app, client, patient):
    urls = ["/patient/", "/patient/checkin", "/patient/history", "/patient/expect", "/patient/inbox",
            "/patient/settings", "/patient/appointments", "/patient/questionnaires/rmdq"]
    pages = [client.get(url) for url in urls]
    pages.append(_submit(client, pain_now="11"))  # the refused form
    pages.append(_submit(client, flag_calf="yes"))  # the urgent page
    checkin = db.session.scalar(select(CheckIn))
    pages.append(client.get(f"/patient/checkins/{checkin.id}"))
    # Every GET page of the blueprint is in the list above (a visit's .ics is a file, not a page).
    rules = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("patient.")}
    assert rules == {"patient.home", "patient.checkin", "patient.history", "patient.expect",
                     "patient.checkin_detail", "patient.inbox", "patient.settings",
                     "patient.appointments", "patient.appointment_ics", "patient.questionnaire"}
    for response in pages:
        html = _text(response)
        banner = html[html.index('class="safety"'):html.index("</aside>")]
        assert NOT_WATCHED in banner, response.request.path
        assert 'href="tel:911"' in banner
        assert "(219) 555-0100" in banner and "(219) 555-0199" in banner


def test_what_to_expect_gives_the_clinics_advice_and_the_warning_signs(client, patient):
    html = _text(client.get("/patient/expect"))
    for text in (
        "lying on your back for about 1 hour while the cement hardens",
        "1 to 2 hours",
        "immediate, or it can take up to 72 hours",
        "Over-the-counter pain relievers",
        "follow-up appointment in the following weeks",
        "Most fractures heal in 8 to 12 weeks.",
        "return to their normal activities in a few weeks",
    ):
        assert text in html, text
    signs = html[html.index('id="signs-h"'):]
    assert signs.index("Chest pain or shortness of breath") < signs.index("Call 911.")
    assert signs.index("bladder or bowels") < signs.index("Call the clinic now.")
    calf = signs.index("Pain or swelling in a calf")
    assert calf < signs.index("Call the clinic today.", calf)
    assert "Sudden new back pain" in signs and "Tell the clinic." in signs


def test_patient_without_a_procedure_sees_a_clear_message(client, make_patient, login):
    login(make_patient(procedure=False).user)
    home = client.get("/patient/")
    assert home.status_code == 200
    assert "Your procedure has not been recorded yet." in _text(home)
    form = _text(client.get("/patient/checkin"))
    assert "Check-ins start after the clinic records it." in form
    assert 'name="pain_now"' not in form
    response = _submit(client)
    assert response.status_code == 400
    assert "No procedure has been recorded for you yet." in _text(response)
    assert _count(CheckIn) == 0


def test_discharged_patient_finds_checkins_closed(client, patient):
    _submit(client)
    patient.discharged = True
    db.session.commit()
    assert "check-ins are closed" in _text(client.get("/patient/"))
    form = _text(client.get("/patient/checkin"))
    assert "check-ins are closed" in form and 'name="pain_now"' not in form
    response = _submit(client, pain_now="1")
    assert response.status_code == 400
    assert "Check-ins are closed: you have been discharged." in _text(response)
    assert db.session.scalar(select(CheckIn)).pain_now == 4  # unchanged
    assert "4/10" in _text(client.get("/patient/history"))  # history stays


@pytest.mark.parametrize("pain_now, says", [
    ("3", "Your pain is 2 or more points and 30% lower than before the procedure."),
    ("6", "Your pain is not 2 or more points and 30% lower than before the procedure."),
])
def test_home_compares_latest_pain_with_before_the_procedure(client, patient, pain_now, says):
    _submit(client, pain_now=pain_now, worst_pain="7")
    html = _text(client.get("/patient/"))
    assert "Before the procedure: 8/10" in html
    assert f"{pain_now}/10" in html
    assert says in html


def test_pain_scale_shows_a_word_beside_every_number(client, patient):
    html = _text(client.get("/patient/checkin"))
    assert re.search(r'value="0"\s*>\s*<span class="num">0</span> <span class="word">No pain', html)
    assert re.search(r'<span class="num">10</span> <span class="word">Worst imaginable', html)
    for label in ("In bed or chair", "Walks outdoors unaided", "New calf pain or swelling"):
        assert label in html


def test_seventy_two_hour_window_is_shown_while_it_is_open(client, make_patient, login):
    login(make_patient(performed_at=utcnow() - timedelta(hours=70)).user)
    html = _text(client.get("/patient/"))
    assert "The clinic asks for a check-in about 72 hours after the procedure" in html
    _submit(client)
    assert "Your 72-hour check-in is done." in _text(client.get("/patient/"))


def test_an_account_without_a_patient_record_gets_a_message_not_an_error(client, make_user, login):
    login(make_user("patient"))
    assert "not set up yet" in _text(client.get("/patient/"))
    assert "not set up yet" in _text(client.get("/patient/checkin"))
    assert client.get("/patient/history").status_code == 200
    response = _submit(client)
    assert response.status_code == 400 and "not set up yet" in _text(response)
    assert client.get("/patient/checkins/1").status_code == 404
