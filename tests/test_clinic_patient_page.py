"""Issue 19, item 5: the clinician's patient page puts the open alerts, with that day's answers and
the patient's note, above the chart; reminders are summarised with the full list one click away;
the note column is in view in the check-in table; phones are tel: links."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete

from recovery.extensions import db
from recovery.models import Reminder, utcnow
from recovery.services.checkins import save_checkin
from tests.answers import checkin_answers

from .conftest import csrf_token
from .pages import text

CALM = checkin_answers(without=('pain_now', 'worst_pain', 'walking_level'), minutes_upright=60)
NOTE = "My right leg feels numb and I nearly fell in the bathroom."


def _patient(make_patient):
    now = utcnow()
    patient = make_patient(name="Nora Numb", phone="219 555 0199", caregiver_name="Carl Carer",
                           caregiver_phone="219-555-0100", performed_at=now - timedelta(days=9))
    save_checkin(patient, {**CALM, "pain_now": 6, "worst_pain": 9, "walking_level": 1, "flag_neuro": "yes",
                           "note": NOTE}, now - timedelta(days=2))
    save_checkin(patient, {**CALM, "pain_now": 3, "worst_pain": 4, "walking_level": 3,
                           "note": "Better today."}, now)
    db.session.execute(delete(Reminder).where(Reminder.patient_id == patient.id))
    for i, (status, days) in enumerate((("sent", -3), ("failed", -2), ("failed", -1), ("pending", 1),
                                        ("pending", 2), ("pending", 3), ("pending", 4), ("cancelled", 5))):
        db.session.add(Reminder(idempotency_key=f"t:{patient.id}:{i}", patient_id=patient.id,
                                kind="daily_nudge", channel="email", due_at=now + timedelta(days=days),
                                status=status, sent_at=now + timedelta(days=days) if status == "sent" else None))
    db.session.commit()
    return patient


def _section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    end = html.find("<section", start)
    return html[start:end if end != -1 else len(html)]


def test_the_open_alert_with_that_days_answers_and_note_comes_first_above_the_chart(
        client, make_user, make_patient, login):
    patient = _patient(make_patient)
    login(make_user("clinician"))
    html = text(client.get(f"/clinic/patients/{patient.id}"))
    assert html.index('id="alerts-h"') < html.index('id="summary-h"') < html.index('id="chart-h"')
    assert html.index('id="chart-h"') < html.index('id="checkins-h"')
    alerts = _section(html, "alerts-h")
    assert "New weakness or numbness in the legs" in alerts
    answers = re.sub(r"<[^>]+>", " ", alerts[alerts.index('data-testid="alert-answers"'):])
    answers = re.sub(r"\s+", " ", answers)
    day = (utcnow() - timedelta(days=2)).astimezone(ZoneInfo(patient.timezone)).date()
    assert f"Answers on {day:%b} {day.day}, {day.year}" in answers  # that check-in's own day
    assert "Pain now 6/10" in answers and "Worst pain 9/10" in answers
    assert "Walking A few steps indoors with help" in answers
    assert NOTE in answers
    assert "Better today." not in alerts  # the later check-in's note is not the alert's
    assert 'action="/clinic/alerts/' in alerts  # acknowledged right there


def test_an_acknowledged_alert_moves_below_to_the_earlier_alerts(client, make_user, make_patient, login):
    patient = _patient(make_patient)
    login(make_user("clinician", name="Ann Clinician"))
    page = f"/clinic/patients/{patient.id}"
    html = text(client.get(page))
    ids = re.findall(r'action="/clinic/alerts/(\d+)/ack"', _section(html, "alerts-h"))
    for alert_id in ids:
        client.post(f"/clinic/alerts/{alert_id}/ack", data={"note": "Phoned.", "csrf_token": csrf_token(client, page)})
    html = text(client.get(page))
    assert "No open alerts." in _section(html, "alerts-h")
    history = _section(html, "alert-history-h")
    assert "New weakness or numbness in the legs" in history and "Acknowledged by Ann Clinician" in history
    assert html.index('id="chart-h"') < html.index('id="alert-history-h"')


def test_reminders_are_summarised_next_and_failed_with_the_full_list_one_click_away(
        client, make_user, make_patient, login):
    patient = _patient(make_patient)
    login(make_user("clinician"))
    reminders = _section(text(client.get(f"/clinic/patients/{patient.id}")), "reminders-h")
    summary, full = reminders.split('data-testid="reminders-all"')
    assert "2 reminders could not be delivered" in summary
    assert summary.count(">Failed<") == 2 and ">Sent<" not in summary and ">Cancelled<" not in summary
    next_part = summary[summary.index('data-testid="reminders-next"'):]
    assert next_part.count(">Pending<") == 3  # the next three, not all four
    assert "All 8 reminders" in full and full.count("<tr>") == 8 + 1  # header row + every reminder
    assert "<details" in reminders[reminders.rindex("<details"):]


def test_the_note_column_is_beside_the_pain_and_phones_are_tel_links(client, make_user, make_patient, login):
    patient = _patient(make_patient)
    login(make_user("clinician"))
    html = text(client.get(f"/clinic/patients/{patient.id}"))
    checkins = _section(html, "checkins-h")
    headers = re.findall(r'<th scope="col">([^<]+)</th>', checkins)
    assert headers.index("Note") <= 4  # within the first columns, not off the right edge
    assert headers[:5] == ["Date", "Pain now", "Worst pain", "Red flags", "Note"]
    assert "Better today." in checkins and NOTE in checkins
    assert '<a href="tel:2195550199">219 555 0199</a>' in html
    assert '<a href="tel:219-555-0100">219-555-0100</a>' in html
