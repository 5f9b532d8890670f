"""Staff book, move, cancel and mark visits; the patient's reminders follow at once."""

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from recovery.display import local_datetime
from recovery.extensions import db
from recovery.jobs import dispatch_due
from recovery.models import Appointment, AuditEvent, Reminder, utcnow
from recovery.services import appointments

from .conftest import csrf_token

CLINIC = ZoneInfo("America/Chicago")
HOME = "America/New_York"  # the patient lives an hour ahead of the clinic
VISIT_SUBJECTS = ("Your clinic appointment is in 2 days", "Your clinic appointment is today")


@pytest.fixture
def staff(make_user, login):
    return login(make_user("staff"))


@pytest.fixture
def patient(make_patient):
    return make_patient(name="Maria Gonzalez", tz=HOME)


def clinic_time(days: int, clock: time = time(10, 30)) -> datetime:
    """A clinic wall-clock time `days` from today, as an aware UTC instant."""
    day = utcnow().astimezone(CLINIC).date() + timedelta(days=days)
    return datetime.combine(day, clock, tzinfo=CLINIC).astimezone(UTC)


def field(moment: datetime) -> str:
    """The datetime-local value a browser sends for `moment` (clinic time)."""
    return moment.astimezone(CLINIC).strftime("%Y-%m-%dT%H:%M")


def morning_of(moment: datetime) -> datetime:
    """08:00 in the patient's zone on the day of `moment` there."""
    tz = ZoneInfo(HOME)
    return datetime.combine(moment.astimezone(tz).date(), time(8, 0), tzinfo=tz).astimezone(UTC)


def post(client, patient, url, **data):
    token = csrf_token(client, f"/staff/patients/{patient.id}")
    return client.post(url, data={**data, "csrf_token": token})


def book(client, patient, when: datetime, kind="follow_up"):
    return post(
        client, patient, f"/staff/patients/{patient.id}/appointments", scheduled_for=field(when), kind=kind
    )


def visit_of(patient) -> Appointment:
    return db.session.scalar(
        select(Appointment).where(Appointment.patient_id == patient.id, Appointment.kind != "check_72h")
    )


def visit_reminders(visit, status=None) -> list[Reminder]:
    stmt = select(Reminder).where(Reminder.appointment_id == visit.id).order_by(Reminder.due_at, Reminder.id)
    if status:
        stmt = stmt.where(Reminder.status == status)
    return list(db.session.scalars(stmt))


def visit_mails(sink) -> list:
    return [m for m in sink.messages if m["Subject"] in VISIT_SUBJECTS]


def snapshot() -> tuple:
    """Every appointment and reminder as it stands, to prove nothing was written."""
    visits = db.session.execute(
        select(
            Appointment.id,
            Appointment.kind,
            Appointment.status,
            Appointment.scheduled_for,
            Appointment.revision,
        )
    ).all()
    reminders = db.session.execute(select(Reminder.id, Reminder.status, Reminder.due_at)).all()
    return sorted(visits), sorted(reminders)


def test_booking_a_follow_up_plans_its_two_reminders_in_the_patients_zone(client, staff, patient):
    when = clinic_time(10)
    response = book(client, patient, when)
    assert response.status_code == 302
    visit = visit_of(patient)
    assert (visit.kind, visit.status, visit.scheduled_for, visit.revision) == (
        "follow_up",
        "scheduled",
        when,
        1,
    )
    pending = visit_reminders(visit, "pending")
    assert {(r.kind, r.channel, r.due_at) for r in pending} == {
        ("follow_up_before", "email", when - timedelta(days=2)),
        ("follow_up_before", "in_app", when - timedelta(days=2)),
        ("follow_up_morning", "email", morning_of(when)),
        ("follow_up_morning", "in_app", morning_of(when)),
    }
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Follow-up visit booked for" in page
    assert "Visit coming up (2 days before)" in page and "Visit today (that morning)" in page
    assert local_datetime(morning_of(when), HOME) in page  # shown in the patient's own zone
    assert re.search(r"8:00:00\WAM E[SD]T", page)  # 08:00 Eastern, not the clinic's 07:00
    assert (
        db.session.scalar(
            select(AuditEvent.action).where(
                AuditEvent.patient_id == patient.id,
                AuditEvent.actor_id == staff.id,
                AuditEvent.action == "appointment.schedule",
            )
        )
        == "appointment.schedule"
    )


def test_booked_follow_up_reminders_go_out_two_days_before_and_that_morning(
    client, staff, patient, smtp_sink
):
    when = clinic_time(10)
    book(client, patient, when)
    dispatch_due(when - timedelta(days=2, minutes=1))
    assert visit_mails(smtp_sink) == []
    dispatch_due(when - timedelta(days=2))
    dispatch_due(morning_of(when))
    subjects = [m["Subject"] for m in visit_mails(smtp_sink)]
    assert subjects == list(VISIT_SUBJECTS)
    body = visit_mails(smtp_sink)[0].get_body(("plain",)).get_content()
    assert local_datetime(when, HOME) in body


def test_rescheduling_moves_pending_reminders_and_the_old_times_send_nothing(
    client, staff, patient, smtp_sink
):
    old, new = clinic_time(10), clinic_time(20, time(14, 0))
    book(client, patient, old)
    visit = visit_of(patient)
    response = post(client, patient, f"/staff/appointments/{visit.id}/reschedule", scheduled_for=field(new))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The visit is moved to" in page and "its reminders moved with it" in page
    db.session.refresh(visit)
    assert (visit.scheduled_for, visit.revision, visit.status) == (new, 2, "scheduled")
    rows = visit_reminders(visit)
    assert {r.status for r in rows if f":a{visit.id}r1:" in r.idempotency_key} == {"cancelled"}
    assert {(r.kind, r.due_at) for r in rows if r.status == "pending"} == {
        ("follow_up_before", new - timedelta(days=2)),
        ("follow_up_morning", morning_of(new)),
    }
    assert all(f":a{visit.id}r2:" in r.idempotency_key for r in rows if r.status == "pending")

    dispatch_due(old - timedelta(days=2))
    dispatch_due(morning_of(old))
    dispatch_due(old)
    assert visit_mails(smtp_sink) == []  # nothing at the old times
    dispatch_due(new - timedelta(days=2))
    [mail] = visit_mails(smtp_sink)
    assert local_datetime(new, HOME) in mail.get_body(("plain",)).get_content()


def test_cancelling_a_visit_sends_nothing_for_it(client, staff, patient, smtp_sink):
    when = clinic_time(10)
    book(client, patient, when)
    visit = visit_of(patient)
    response = post(client, patient, f"/staff/appointments/{visit.id}/cancel")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is cancelled; no more reminders are sent for it" in page
    assert f'action="/staff/appointments/{visit.id}/reschedule"' not in page
    assert {r.status for r in visit_reminders(visit)} == {"cancelled"}
    for moment in (when - timedelta(days=2), morning_of(when), when + timedelta(hours=1)):
        dispatch_due(moment)
    assert visit_mails(smtp_sink) == []
    db.session.refresh(visit)
    assert visit.status == "cancelled"


def test_a_completed_visit_sends_nothing_more(make_patient, make_user, smtp_sink):
    staff = make_user("staff")
    patient = make_patient(tz=HOME)
    booked_at = utcnow()
    when = clinic_time(5)
    visit = appointments.schedule_follow_up(patient, {"scheduled_for": field(when)}, staff, booked_at)
    db.session.commit()
    dispatch_due(when - timedelta(days=2))
    assert [m["Subject"] for m in visit_mails(smtp_sink)] == [VISIT_SUBJECTS[0]]
    # The patient came in early (the clinic fitted them in); the visit is recorded as done.
    appointments.mark(visit, "completed", staff, when - timedelta(days=1))
    db.session.commit()
    assert visit_reminders(visit, "pending") == []
    dispatch_due(morning_of(when))
    dispatch_due(when)
    assert len(visit_mails(smtp_sink)) == 1


def test_marking_a_past_visit_missed_shows_it_and_it_can_be_rebooked(client, staff, patient):
    past = Appointment(
        patient_id=patient.id,
        procedure_id=patient.current_procedure.id,
        kind="follow_up",
        scheduled_for=utcnow() - timedelta(hours=2),
        updated_at=utcnow() - timedelta(days=1),
    )
    db.session.add(past)
    db.session.commit()
    response = post(client, patient, f"/staff/appointments/{past.id}/mark", status="missed")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is marked missed" in page
    db.session.refresh(past)
    assert past.status == "missed"
    later = clinic_time(7)
    response = post(client, patient, f"/staff/appointments/{past.id}/reschedule", scheduled_for=field(later))
    assert response.status_code == 302
    db.session.refresh(past)
    assert (past.status, past.scheduled_for, past.revision) == ("scheduled", later, 2)
    assert len(visit_reminders(past, "pending")) == 4
