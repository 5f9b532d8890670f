"""Staff see every reminder in the outbox, resend a failed one, and are told when the scheduler is down."""

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from recovery.extensions import db
from recovery.jobs import dispatch_due
from recovery.models import AuditEvent, Reminder, utcnow
from recovery.reminders.dispatch import MAX_ATTEMPTS, beat
from recovery.services import appointments

from .conftest import csrf_token, statements

CLINIC = ZoneInfo("America/Chicago")
BANNER = "Reminders are not being sent: the scheduler has not run for 5 minutes."
IN_TWO_DAYS = "Your clinic appointment is in 2 days"


@pytest.fixture
def staff(make_user, login):
    return login(make_user("staff"))


def visit_in(days: int) -> datetime:
    day = utcnow().astimezone(CLINIC).date() + timedelta(days=days)
    return datetime.combine(day, time(10, 30), tzinfo=CLINIC).astimezone(UTC)


def book(patient, staff, when):
    form = {"scheduled_for": when.astimezone(CLINIC).strftime("%Y-%m-%dT%H:%M")}
    visit = appointments.schedule_follow_up(patient, form, staff, utcnow())
    db.session.commit()
    return visit


def fail_visit_email(app, visit) -> tuple[Reminder, datetime]:
    """Dispatch the visit's first e-mail with nothing listening on the mail port until it fails."""
    port = app.config.get("MAIL_PORT")
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_TIMEOUT=1)  # nothing listens on 1
    now = visit.scheduled_for - timedelta(days=2)
    for _ in range(MAX_ATTEMPTS):
        dispatch_due(now)
        now += timedelta(minutes=20)  # past each back-off
    app.config["MAIL_PORT"] = port
    reminder = db.session.scalar(
        select(Reminder).where(
            Reminder.appointment_id == visit.id,
            Reminder.kind == "follow_up_before",
            Reminder.channel == "email",
        )
    )
    assert reminder.status == "failed" and reminder.attempts == MAX_ATTEMPTS
    return reminder, now


def row_of(html: str, reminder_id: int) -> str:
    match = re.search(rf'<tr id="reminder-{reminder_id}".*?</tr>', html, re.S)
    assert match, f"reminder {reminder_id} not listed"
    return match.group(0)


def cells(row: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_outbox_lists_reminders_with_status_attempts_and_last_error(app, client, staff, make_patient):
    patient = make_patient(name="Maria Gonzalez")
    visit = book(patient, staff, visit_in(10))
    failed, _ = fail_visit_email(app, visit)
    html = client.get("/staff/outbox?status=all").get_data(as_text=True)
    row = cells(row_of(html, failed.id))
    assert row[:3] == [f"Maria Gonzalez {patient.record_number}", "Visit coming up (2 days before)", "E-mail"]
    assert row[4:6] == ["Failed", str(MAX_ATTEMPTS)]
    assert "Connection" in row[6] or "OSError" in row[6]  # the last error, as the mail server said it
    assert "Send again" in row[8]
    in_app = db.session.scalar(
        select(Reminder).where(
            Reminder.appointment_id == visit.id,
            Reminder.kind == "follow_up_before",
            Reminder.channel == "in_app",
        )
    )
    row = cells(row_of(html, in_app.id))
    assert row[2] == "In the app" and row[4] == "Sent" and row[7]  # with when it was sent
    assert "Send again" not in row[8]
    # Soonest due first.
    ids = [int(i) for i in re.findall(r'<tr id="reminder-(\d+)"', html)]
    due = {r.id: r.due_at for r in db.session.scalars(select(Reminder))}
    assert len(ids) > 10 and [due[i] for i in ids] == sorted(due[i] for i in ids)


def test_outbox_status_filter_shows_only_that_status_and_refuses_nonsense(app, client, staff, make_patient):
    visit = book(make_patient(), staff, visit_in(10))
    failed, _ = fail_visit_email(app, visit)
    html = client.get("/staff/outbox?status=failed").get_data(as_text=True)
    assert re.findall(r'<tr id="reminder-(\d+)"', html) == [str(failed.id)]
    assert '<option value="failed" selected>' in html
    pending = client.get("/staff/outbox?status=pending").get_data(as_text=True)
    assert set(re.findall(r'class="status-(\w+)"', pending)) == {"pending"}
    response = client.get("/staff/outbox?status=lost")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Unknown status “lost”. Choose one of: upcoming, all, pending, sending, sent, failed, cancelled." in html
    assert "reminder-" not in html and '<option value="failed"' in html  # the filters, shown again


def test_outbox_statements_are_the_same_for_2_and_25_rows(app, client, staff, make_patient):
    """An N+1 guard: each listed row's patient, account and timing come with the page."""
    zones = ("America/Chicago", "America/Denver", "America/New_York")
    counts = {}
    for wanted in (2, 25):
        while db.session.scalar(select(func.count()).select_from(Reminder).where(Reminder.kind == "escalation")) < wanted:
            make_patient(tz=zones[wanted % 3])
        with statements() as seen:
            html = client.get("/staff/outbox?kind=escalation").get_data(as_text=True)
        assert len(re.findall(r'<tr id="reminder-', html)) == wanted
        counts[wanted] = len(seen)
        assert sum("FROM reminders" in s for s in seen) == 2  # the counts by status and the page
    assert counts[2] == counts[25]


def test_resending_a_failed_reminder_makes_it_pending_and_the_next_dispatch_sends_it(
    app, client, staff, make_patient, smtp_sink
):
    patient = make_patient(name="Maria Gonzalez")
    visit = book(patient, staff, visit_in(10))
    failed, later = fail_visit_email(app, visit)
    assert [m for m in smtp_sink.messages if m["Subject"] == IN_TWO_DAYS] == []
    token = csrf_token(client, "/staff/outbox?status=failed")
    response = client.post(
        f"/staff/reminders/{failed.id}/resend", data={"csrf_token": token, "back": "status=failed&kind=follow_up_before"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/staff/outbox?kind=follow_up_before&status=failed")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The reminder to Maria Gonzalez (Visit coming up (2 days before)) will be sent" in page
    db.session.refresh(failed)
    assert (failed.status, failed.attempts, failed.next_attempt_at) == ("pending", 0, None)
    assert failed.last_error  # kept as history until the next attempt
    assert (
        db.session.scalar(select(AuditEvent.actor_id).where(AuditEvent.action == "reminder.resend"))
        == staff.id
    )
    dispatch_due(later)
    db.session.refresh(failed)
    assert failed.status == "sent"
    mails = [m for m in smtp_sink.messages if m["Subject"] == IN_TWO_DAYS]
    assert len(mails) == 1 and mails[0]["To"] == patient.email


def test_only_a_failed_reminder_can_be_resent(client, staff, make_patient):
    patient = make_patient()
    pending = db.session.scalar(
        select(Reminder).where(Reminder.patient_id == patient.id, Reminder.status == "pending").limit(1)
    )
    token = csrf_token(client, "/staff/outbox")
    response = client.post(f"/staff/reminders/{pending.id}/resend", data={"csrf_token": token})
    assert response.status_code == 400
    assert "Only a failed reminder can be resent." in response.get_data(as_text=True)
    db.session.refresh(pending)
    assert pending.status == "pending"
    assert client.post("/staff/reminders/999999/resend", data={"csrf_token": token}).status_code == 404


def test_a_failed_reminder_that_no_longer_applies_is_not_resent(app, client, staff, make_patient):
    visit = book(make_patient(), staff, visit_in(10))
    failed, _ = fail_visit_email(app, visit)
    appointments.cancel(visit, staff, utcnow())
    db.session.commit()
    token = csrf_token(client, "/staff/outbox")
    response = client.post(f"/staff/reminders/{failed.id}/resend", data={"csrf_token": token})
    assert response.status_code == 400
    assert "This reminder no longer applies" in response.get_data(as_text=True)
    db.session.refresh(failed)
    assert (failed.status, failed.attempts) == ("failed", MAX_ATTEMPTS)


def test_patient_page_shows_upcoming_reminders_without_clinical_detail(client, staff, make_patient):
    patient = make_patient(tz="America/Denver")
    html = client.get(f"/staff/patients/{patient.id}").get_data(as_text=True)
    section = html[html.index('id="reminders"') :]
    section = section[: section.index("</section>")]
    assert "72-hour check-in is due" in section and "Daily check-in reminder" in section
    assert "E-mail" in section and "In the app" in section and "Pending" in section
    assert re.search(r"M[SD]T", section)  # due times in the patient's own zone (Mountain)
    for clinical in ("pain", "kyphoplasty", "osteoporosis", "level"):
        assert clinical not in section.lower()


def test_stale_scheduler_banner_depends_on_the_heartbeat_only(app, client, staff):
    for required in (False, True):
        app.config["SCHEDULER_REQUIRED"] = required
        assert BANNER in client.get("/staff/").get_data(as_text=True)  # never ran
        assert BANNER in client.get("/staff/outbox").get_data(as_text=True)
    beat("scheduler-1", utcnow() - timedelta(minutes=6))
    assert BANNER in client.get("/staff/").get_data(as_text=True)
    beat("scheduler-1", utcnow())
    for required in (False, True):
        app.config["SCHEDULER_REQUIRED"] = required
        assert BANNER not in client.get("/staff/").get_data(as_text=True)
        assert BANNER not in client.get("/staff/outbox").get_data(as_text=True)
