"""A missed 72-hour check becomes a call on the staff home page; staff close it with what happened."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from recovery.display import local_datetime
from recovery.extensions import db
from recovery.jobs import dispatch_due
from recovery.models import AuditEvent, CallTask, utcnow
from recovery.services import calls
from recovery.services.errors import ValidationError

from .conftest import NOW, csrf_token

PROCEDURE = NOW  # 09:00 in Chicago


@pytest.fixture
def staff(make_user, login):
    return login(make_user("staff", name="Dana Staff"))


@pytest.fixture
def missed(make_patient, smtp_sink):
    """A patient who never did the 72-hour check, swept at procedure + 96 h."""
    patient = make_patient(
        name="Maria Gonzalez",
        phone="312-555-0177",
        caregiver_name="Luis Gonzalez",
        caregiver_phone="312-555-0178",
        performed_at=PROCEDURE,
        recorded_at=PROCEDURE + timedelta(minutes=30),
    )
    dispatch_due(PROCEDURE + timedelta(hours=95))
    assert db.session.scalar(select(CallTask)) is None
    dispatch_due(PROCEDURE + timedelta(hours=96))
    return patient


def calls_section(html: str) -> str:
    return html[html.index('id="calls"') : html.index("</section>")]


def close(client, task_id, **data):
    return client.post(
        f"/staff/calls/{task_id}/close", data={**data, "csrf_token": csrf_token(client, "/staff/")}
    )


def test_a_missed_72_hour_check_shows_as_a_call_on_the_staff_home(client, staff, missed):
    task = db.session.scalar(select(CallTask))
    assert task.patient_id == missed.id and task.due_by == PROCEDURE + timedelta(hours=120)
    section = calls_section(client.get("/staff/").get_data(as_text=True))
    assert "Maria Gonzalez" in section and "Missed the 72-hour check-in" in section
    assert 'href="tel:312-555-0177"' in section and "312-555-0178" in section
    assert local_datetime(task.due_by) in section  # the deadline, in clinic time
    assert "Overdue" in section  # that deadline passed before today
    for outcome in ("Reached the patient", "Left a message", "No answer"):
        assert outcome in section


def test_closing_a_call_records_outcome_who_and_when_and_removes_it(client, staff, missed):
    task = db.session.scalar(select(CallTask))
    before = utcnow()
    response = close(client, task.id, outcome="reached", note="Doing fine, will check in tonight.")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Call to Maria Gonzalez closed: Reached the patient." in page
    section = calls_section(page)
    assert "Maria Gonzalez" not in section and "No calls to make." in section
    db.session.refresh(task)
    assert (task.outcome, task.note, task.closed_by_id) == (
        "reached",
        "Doing fine, will check in tonight.",
        staff.id,
    )
    assert before <= task.closed_at <= utcnow()
    assert db.session.scalar(
        select(AuditEvent.action).where(
            AuditEvent.actor_id == staff.id,
            AuditEvent.patient_id == missed.id,
            AuditEvent.action == "call.close",
        )
    )


@pytest.mark.parametrize("outcome", ["", "called_911", None])
def test_closing_with_an_unknown_outcome_is_refused_and_the_call_stays_open(client, staff, missed, outcome):
    task = db.session.scalar(select(CallTask))
    data = {"note": "Tried twice"} if outcome is None else {"outcome": outcome, "note": "Tried twice"}
    response = close(client, task.id, **data)
    assert response.status_code == 400
    section = calls_section(response.get_data(as_text=True))
    assert "Choose what happened: reached, left a message, or no answer." in section
    assert "Maria Gonzalez" in section and "Tried twice" in section  # the note typed is kept
    db.session.refresh(task)
    assert (task.closed_at, task.outcome, task.closed_by_id) == (None, None, None)


def test_closing_a_call_twice_is_refused_and_the_first_outcome_stands(client, staff, missed):
    task = db.session.scalar(select(CallTask))
    assert close(client, task.id, outcome="no_answer").status_code == 302
    response = close(client, task.id, outcome="reached")
    assert response.status_code == 400
    assert re.search(r"This call was already closed by Dana Staff on", response.get_data(as_text=True))
    db.session.refresh(task)
    assert task.outcome == "no_answer"
    assert (
        client.post(
            "/staff/calls/999999/close",
            data={"outcome": "reached", "csrf_token": csrf_token(client, "/staff/")},
        ).status_code
        == 404
    )


def test_open_calls_list_the_overdue_first(make_patient, make_user):
    now = utcnow()
    patients = [make_patient(name=name) for name in ("Ann", "Ben", "Cy")]
    for patient, hours in zip(patients, (5, -30, -2), strict=True):
        db.session.add(
            CallTask(
                patient_id=patient.id,
                reason="missed_72h",
                created_at=now,
                due_by=now + timedelta(hours=hours),
            )
        )
    db.session.commit()
    listed = calls.open_tasks(now)
    assert [(t.patient_name, t.overdue) for t in listed] == [("Ben", True), ("Cy", True), ("Ann", False)]
    assert listed[0].reason == "Missed the 72-hour check-in"
    calls.close_task(listed[0].id, "left_message", "", make_user("staff"), now)
    db.session.commit()
    assert [t.patient_name for t in calls.open_tasks(now)] == ["Cy", "Ann"]
    with pytest.raises(ValidationError):
        calls.close_task(listed[0].id, "reached", None, make_user("staff"), now)
