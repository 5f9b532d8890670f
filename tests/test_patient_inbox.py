"""The in-app inbox: sent reminders in plain words, an unread count on every page, only one's own."""

import html as html_lib
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from recovery.extensions import db
from recovery.jobs import dispatch_due
from recovery.models import Appointment, Reminder
from recovery.services import inbox

from .conftest import NOW

# NOW is 09:00 in Chicago: a procedure then has its 72-hour point at 09:00, outside quiet hours.
PROCEDURE = NOW
AT_72H = PROCEDURE + timedelta(hours=72)
# The repeat falls 12 h later, at 21:00 (quiet hours), so it waits until 08:00 the next morning.
REPEAT = PROCEDURE + timedelta(hours=72 + 23)


def _text(response) -> str:
    """The page as a person reads it (CLDR puts a narrow no-break space before AM/PM)."""
    return html_lib.unescape(response.get_data(as_text=True)).replace("\u202f", " ")


def _nav(response) -> str:
    """The navigation's Messages link, as a person reads it."""
    html = _text(response)
    start = html.index('data-testid="nav-messages"')
    return html[html.index(">", start) + 1 : html.index("</a>", start)].strip()


def _patient(make_patient, **kw):
    return make_patient(performed_at=PROCEDURE, recorded_at=PROCEDURE + timedelta(minutes=30), **kw)


def _in_app(patient, **where):
    stmt = select(Reminder).where(Reminder.patient_id == patient.id, Reminder.channel == "in_app")
    for name, value in where.items():
        stmt = stmt.where(getattr(Reminder, name) == value)
    return list(db.session.scalars(stmt))


def test_inbox_lists_the_sent_72_hour_reminder_in_plain_words(client, make_patient, login, smtp_sink):
    patient = _patient(make_patient)
    dispatch_due(AT_72H)
    login(patient.user)
    page = _text(client.get("/patient/inbox"))
    assert "Your 3-day check-in is due" in page
    assert "New" in page
    # Shown in the patient's zone: 15:00 UTC on Nov 23 is 9:00 in the morning in Chicago.
    assert "Sent Nov 23, 2026, 9:00:00 AM CST" in page
    assert 'href="/patient/checkin"' in page


def test_unread_count_shows_on_other_pages_and_drops_to_zero_after_opening_the_inbox(
    client, make_patient, login, smtp_sink
):
    patient = _patient(make_patient)
    dispatch_due(AT_72H)
    dispatch_due(REPEAT)
    assert len(_in_app(patient, status="sent")) == 2
    login(patient.user)
    for url in ("/patient/", "/patient/history", "/patient/expect", "/patient/settings"):
        assert _nav(client.get(url)) == "Messages (2)", url

    page = client.get("/patient/inbox")
    text = _text(page)
    assert text.index("Reminder: your 3-day check-in") < text.index("Your 3-day check-in is due")
    assert text.count(">New<") == 2  # this visit still marks which ones were new
    assert _nav(page) == "Messages"

    assert _nav(client.get("/patient/")) == "Messages"
    assert all(r.read_at is not None for r in _in_app(patient, status="sent"))
    assert ">New<" not in _text(client.get("/patient/inbox"))


def test_a_new_message_raises_the_count_again(client, make_patient, login, smtp_sink):
    patient = _patient(make_patient)
    dispatch_due(AT_72H)
    login(patient.user)
    client.get("/patient/inbox")
    dispatch_due(REPEAT)
    assert _nav(client.get("/patient/")) == "Messages (1)"


def test_patient_never_sees_another_patients_messages(client, make_patient, login, smtp_sink):
    a, b = _patient(make_patient), _patient(make_patient)
    dispatch_due(AT_72H)
    dispatch_due(REPEAT)
    (b_first,) = _in_app(b, kind="check_72h")
    b_first.status = "cancelled"  # so the two inboxes differ: A has 2 messages, B has 1
    db.session.commit()
    login(b.user)
    assert _nav(client.get("/patient/")) == "Messages (1)"
    page = _text(client.get("/patient/inbox"))
    for reminder in _in_app(a):
        assert f'data-testid="message-{reminder.id}"' not in page
    assert page.count('data-testid="message-') == 1
    # Opening B's inbox leaves A's messages unread.
    assert all(r.read_at is None for r in _in_app(a))
    assert inbox.unread_count(a) == 2


def test_follow_up_message_names_the_appointment_time_in_the_patients_zone(
    client, make_patient, login, smtp_sink
):
    patient = _patient(make_patient)
    visit = Appointment(
        patient_id=patient.id,
        procedure_id=patient.current_procedure.id,
        kind="follow_up",
        scheduled_for=PROCEDURE + timedelta(days=14),
        updated_at=PROCEDURE,
    )
    db.session.add(visit)
    db.session.commit()
    dispatch_due(PROCEDURE + timedelta(days=12))  # two days before, at 09:00 Chicago time
    login(patient.user)
    page = _text(client.get("/patient/inbox"))
    assert "Your clinic appointment is in 2 days" in page
    assert "Your appointment: Dec 4, 2026, 9:00:00 AM CST" in page


def test_inbox_is_newest_first_and_skips_email_copies_and_staff_tasks(make_patient, smtp_sink):
    patient = _patient(make_patient)
    dispatch_due(AT_72H)
    dispatch_due(REPEAT)
    dispatch_due(PROCEDURE + timedelta(hours=97))  # the escalation: a staff call task, not a message
    messages = inbox.inbox(patient)
    assert [m.kind for m in messages] == ["check_72h_repeat", "check_72h"]
    assert [m.title for m in messages] == ["Reminder: your 3-day check-in", "Your 3-day check-in is due"]
    assert all(m.unread for m in messages)


def test_mark_read_marks_only_this_patients_unread_messages(make_patient, smtp_sink):
    a, b = _patient(make_patient), _patient(make_patient)
    dispatch_due(AT_72H)
    later = AT_72H + timedelta(hours=1)
    assert inbox.mark_read(a, later) == 1
    db.session.commit()
    assert inbox.unread_count(a) == 0 and inbox.unread_count(b) == 1
    assert [r.read_at for r in _in_app(a, status="sent")] == [later]
    assert inbox.mark_read(a, later + timedelta(hours=1)) == 0  # read once, stays read at `later`
    assert [r.read_at for r in _in_app(a, status="sent")] == [later]


@pytest.fixture
def statements(app):
    """The SQL statements run while the test watches."""
    seen = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


def test_unread_count_is_one_count_query(make_patient, smtp_sink, statements):
    patient = _patient(make_patient)
    dispatch_due(AT_72H)
    db.session.expire_all()
    patient_id = patient.id
    statements.clear()
    assert inbox.unread_count(db.session.get(type(patient), patient_id)) == 1
    counts = [s for s in statements if "reminders" in s]
    assert len(counts) == 1 and "count(" in counts[0].lower()
