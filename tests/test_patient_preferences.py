"""Reminder preferences: e-mail on or off, the nudge's time, time zone and language, checked and applied."""

import html as html_lib
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from recovery.extensions import db
from recovery.jobs import dispatch_due
from recovery.models import CheckIn, Reminder, utcnow
from recovery.reminders import outbox
from recovery.services import preferences
from recovery.services.checkins import save_checkin
from recovery.services.errors import ValidationError
from recovery.services.preferences import update_preferences
from tests.answers import checkin_answers

from .conftest import NOW, TEST_PASSWORD, csrf_token

CURRENT = {
    "email_reminders": "yes",
    "reminder_time": "18:00",
    "timezone": "America/Chicago",
    "preferred_language": "en",
}


def _text(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def _error_next_to(html: str, field: str) -> str:
    """The error message shown inside `field`'s own block of the form ('' when there is none)."""
    start = html.find(f'id="{field}"')
    assert start != -1, f"no field {field} on the page"
    end = html.find('class="field', start)
    block = html[start : end if end != -1 else len(html)]
    match = re.search(rf'<p class="error" id="{field}-error"[^>]*>([^<]*)</p>', block)
    return match.group(1) if match else ""


def _save(client, **changes):
    data = {**CURRENT, **changes, "csrf_token": csrf_token(client, "/patient/settings")}
    return client.post("/patient/settings", data={k: v for k, v in data.items() if v is not None})


def _pending(patient, **where) -> dict[int, Reminder]:
    stmt = select(Reminder).where(Reminder.patient_id == patient.id, Reminder.status == "pending")
    for name, value in where.items():
        stmt = stmt.where(getattr(Reminder, name) == value)
    return {r.id: r for r in db.session.scalars(stmt)}


def _snapshot(patient):
    """Everything a refused form must leave as it was: the preferences and the reminder rows."""
    db.session.refresh(patient)
    rows = db.session.scalars(select(Reminder).where(Reminder.patient_id == patient.id))
    prefs = (patient.email_reminders, patient.reminder_time, patient.timezone, patient.preferred_language)
    return prefs, sorted((r.id, r.status, r.due_at) for r in rows)


@pytest.fixture
def patient(make_patient, login):
    """A signed-in patient (procedure two days ago) with their reminders planned."""
    p = make_patient()
    outbox.sync_patient(p, utcnow())
    db.session.commit()
    login(p.user)
    return p


def test_settings_form_shows_the_current_preferences(client, patient):
    html = _text(client.get("/patient/settings"))
    assert 'name="reminder_time" type="time" value="18:00"' in html
    assert '<option value="America/Chicago" selected>Central time (Chicago)</option>' in html
    assert '<option value="Pacific/Honolulu" >Hawaii time (Honolulu)</option>' in html
    assert re.search(r'name="email_reminders" value="yes" checked', html)
    assert '<option value="en" selected>English</option>' in html
    assert patient.user.email in html


def test_a_zone_outside_the_short_list_is_still_offered(client, make_patient, login):
    p = make_patient(tz="Europe/Madrid")
    login(p.user)
    html = _text(client.get("/patient/settings"))
    assert '<option value="Europe/Madrid" selected>Europe/Madrid</option>' in html


@pytest.mark.parametrize(
    "value, message",
    [
        ("07:30", "Choose a time between 08:00 and 20:30."),
        ("21:00", "Choose a time between 08:00 and 20:30."),
        ("abc", "Please enter a time (HH:MM)."),
        ("", "Please enter a time (HH:MM)."),
    ],
)
def test_reminder_time_outside_the_day_is_refused_and_nothing_changes(client, patient, value, message):
    before = _snapshot(patient)
    response = _save(client, reminder_time=value, timezone="America/New_York", email_reminders="no")
    assert response.status_code == 400
    html = _text(response)
    assert "Nothing was saved." in html
    assert _error_next_to(html, "reminder_time") == message
    assert _error_next_to(html, "timezone") == ""
    assert _snapshot(patient) == before


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "x" * 5000, "../../etc/passwd"],
                         ids=["unknown", "too-long-for-a-file-name", "a-path"])
def test_unknown_time_zone_is_refused(client, patient, zone):
    before = _snapshot(patient)
    response = _save(client, timezone=zone, reminder_time="09:00")
    assert response.status_code == 400
    assert _error_next_to(_text(response), "timezone") == "Please choose a valid time zone."
    assert _snapshot(patient) == before


def test_every_bad_field_gets_its_own_message(client, patient):
    response = _save(
        client, email_reminders="maybe", reminder_time="25:00", timezone="", preferred_language="fr"
    )
    assert response.status_code == 400
    html = _text(response)
    assert _error_next_to(html, "email_reminders") == "Please answer yes or no."
    assert _error_next_to(html, "reminder_time") == "Please enter a time (HH:MM)."
    assert _error_next_to(html, "timezone") == "Please choose a valid time zone."
    assert _error_next_to(html, "preferred_language") == "Please choose one of the options."


def test_saving_moves_pending_daily_nudges_to_the_new_local_time(client, patient):
    before = _pending(patient, kind="daily_nudge")
    assert before and all(
        r.due_at.astimezone(ZoneInfo("America/Chicago")).time() == time(18, 0) for r in before.values()
    )
    response = _save(client, reminder_time="09:30", timezone="America/New_York")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/patient/settings")
    page = _text(client.get("/patient/settings"))
    assert "Your settings are saved." in page
    assert 'value="09:30"' in page

    after = _pending(patient, kind="daily_nudge")
    new_york = ZoneInfo("America/New_York")
    assert after
    for row in after.values():
        assert row.due_at == datetime.combine(row.for_date, time(9, 30), tzinfo=new_york)
    # The same rows moved (a day the new zone brings into the window may add one).
    assert set(before) & set(after)


def test_turning_email_off_in_settings_sends_the_next_reminders_in_the_app_only(client, patient, smtp_sink):
    assert _pending(patient, channel="email")
    assert _save(client, email_reminders="no").status_code == 302
    assert _pending(patient, channel="email") == {}
    first = min(_pending(patient, channel="in_app").values(), key=lambda r: r.due_at)
    dispatch_due(first.due_at)
    assert smtp_sink.messages == []
    db.session.refresh(first)
    assert first.status == "sent"
    assert "Messages (1)" in _text(client.get("/patient/"))


def test_patient_without_email_is_told_reminders_come_only_in_the_app(client, make_patient):
    p = make_patient()
    p.user.email = None
    db.session.commit()
    token = csrf_token(client, "/login")  # such patients sign in with their record number
    client.post("/login", data={"login": p.record_number, "password": TEST_PASSWORD, "csrf_token": token})
    html = _text(client.get("/patient/settings"))
    assert "The clinic has no e-mail address for you" in html
    assert 'name="email_reminders"' not in html
    response = _save(client, email_reminders="yes")
    assert response.status_code == 400
    assert "ask the clinic to add your address" in _error_next_to(_text(response), "email_reminders")
    assert _save(client, email_reminders=None, reminder_time="10:00").status_code == 302
    db.session.refresh(p)
    assert p.reminder_time == time(10, 0)


def test_language_choice_is_saved(client, patient):
    assert _save(client, preferred_language="es").status_code == 302
    db.session.refresh(patient)
    assert patient.preferred_language == "es"


# The service on its own, with an explicit `now`.


def _planned_patient(make_patient):
    patient = make_patient(performed_at=NOW - timedelta(days=2), recorded_at=NOW - timedelta(days=2))
    outbox.sync_patient(patient, NOW)
    db.session.commit()
    return patient


def test_update_preferences_moves_pending_nudges_at_once(make_patient):
    patient = _planned_patient(make_patient)
    before = _pending(patient, kind="daily_nudge")
    changed = update_preferences(
        patient, {**CURRENT, "reminder_time": "08:15", "timezone": "America/Los_Angeles"}, NOW
    )
    db.session.commit()
    assert changed == ["reminder_time", "timezone"]
    after = _pending(patient, kind="daily_nudge")
    assert set(before) <= set(after)
    los_angeles = ZoneInfo("America/Los_Angeles")
    for row in after.values():
        assert row.due_at == datetime.combine(row.for_date, time(8, 15), tzinfo=los_angeles)


def test_update_preferences_reports_every_bad_field_and_writes_nothing(make_patient):
    patient = _planned_patient(make_patient)
    before = _snapshot(patient)
    with pytest.raises(ValidationError) as raised:
        update_preferences(
            patient,
            {
                "email_reminders": "sometimes",
                "reminder_time": "20:31",
                "timezone": "Nowhere/Else",
                "preferred_language": "de",
            },
            NOW,
        )
    assert set(raised.value.errors) == {"email_reminders", "reminder_time", "timezone", "preferred_language"}
    assert raised.value.errors["reminder_time"] == "Choose a time between 08:00 and 20:30."
    assert _snapshot(patient) == before


def test_turning_email_off_means_the_next_dispatch_sends_in_app_only(make_patient, smtp_sink):
    patient = make_patient(performed_at=NOW, recorded_at=NOW + timedelta(minutes=30))
    dispatch_due(NOW + timedelta(hours=1))  # plans the 72-hour reminders on both channels
    assert _pending(patient, kind="check_72h", channel="email")
    update_preferences(patient, {**CURRENT, "email_reminders": "no"}, NOW + timedelta(hours=2))
    db.session.commit()
    dispatch_due(NOW + timedelta(hours=72))
    assert smtp_sink.messages == []
    sent = db.session.scalars(
        select(Reminder).where(
            Reminder.patient_id == patient.id, Reminder.kind == "check_72h", Reminder.status == "sent"
        )
    )
    assert [r.channel for r in sent] == ["in_app"]


def test_the_edges_of_the_allowed_day_are_accepted(make_patient):
    patient = _planned_patient(make_patient)
    for value, expected in (("08:00", time(8, 0)), ("20:30", time(20, 30))):
        update_preferences(patient, {**CURRENT, "reminder_time": value}, NOW)
        db.session.commit()
        assert patient.reminder_time == expected


def _answers(pain):
    return checkin_answers(form=True, pain_now=pain, worst_pain=8)


def _rows(patient):
    db.session.expire_all()
    return {c.local_date: (c.pain_now, len(c.revisions)) for c in
            db.session.scalars(select(CheckIn).where(CheckIn.patient_id == patient.id))}


def _move(patient, zone, now):
    preferences.update_preferences(patient, {**preferences.current_values(patient), "timezone": zone}, now)
    db.session.commit()


def test_moving_east_past_midnight_gives_no_second_checkin_for_the_same_real_day(app, make_patient):
    # 09:00 in Chicago is already tomorrow in Tokyo: today's check-in stays today's, and the new
    # zone counts the days from tomorrow.
    patient = make_patient(tz="America/Chicago", performed_at=NOW - timedelta(days=2))
    today = NOW.astimezone(ZoneInfo("America/Chicago")).date()
    save_checkin(patient, _answers(4), NOW)
    db.session.commit()
    _move(patient, "Asia/Tokyo", NOW + timedelta(minutes=5))
    save_checkin(patient, _answers(5), NOW + timedelta(hours=1))  # the same real day, a second try
    db.session.commit()
    assert _rows(patient) == {today: (5, 1)}  # one check-in, updated, its first answers kept
    later = NOW + timedelta(days=1, hours=1)  # the next day: Tokyo's dates from now on
    save_checkin(patient, _answers(3), later)
    db.session.commit()
    assert set(_rows(patient)) == {today, later.astimezone(ZoneInfo("Asia/Tokyo")).date()}


def test_moving_west_cannot_reopen_and_overwrite_the_day_before(app, make_patient):
    # In Tokyo the patient checked in for two days; at 02:00 the second morning they move to
    # Chicago, where it is still the first day's afternoon. That first check-in is never rewritten.
    zone = ZoneInfo("Asia/Tokyo")
    patient = make_patient(tz="Asia/Tokyo", performed_at=NOW - timedelta(days=3))
    first = NOW - timedelta(hours=6)  # 18:00 in Tokyo
    second = NOW + timedelta(hours=2)  # 02:00 the next day in Tokyo, 11:00 the day before in Chicago
    save_checkin(patient, _answers(6), first)
    save_checkin(patient, _answers(5), second)
    db.session.commit()
    _move(patient, "America/Chicago", second + timedelta(minutes=1))
    save_checkin(patient, _answers(2), second + timedelta(hours=1))
    db.session.commit()
    assert _rows(patient) == {first.astimezone(zone).date(): (6, 0), second.astimezone(zone).date(): (2, 1)}
