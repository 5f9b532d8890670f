"""What one check-in costs the database: a few statements, however long the patient's history,
and only what the check-in changes in the outbox (that day's nudge), at once."""

from datetime import timedelta

from sqlalchemy import select

from recovery.extensions import db
from recovery.models import Reminder, utcnow
from recovery.reminders import outbox
from recovery.services.checkins import local_today, save_checkin
from tests.answers import checkin_answers

from .conftest import NOW, csrf_token, statements

ANSWERS = checkin_answers(form=True)
# Transaction control differs between the databases (SQLite's BEGIN IMMEDIATE, savepoints).
CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK")


def _data_statements(seen: list[str]) -> list[str]:
    return [s for s in seen if not s.lstrip().upper().startswith(CONTROL)]


def _post(client, token, **changes):
    return client.post("/patient/checkin", data={**ANSWERS, **changes, "csrf_token": token})


def _costs(client, make_patient, login, history_days: int) -> tuple[int, int]:
    """Statements for a patient's first check-in of the day, and for an update of it, after
    `history_days` earlier days of check-ins."""
    patient = make_patient(performed_at=utcnow() - timedelta(days=history_days + 2))
    for days in range(history_days, 0, -1):
        save_checkin(patient, ANSWERS, utcnow() - timedelta(days=days))
    db.session.commit()
    login(patient.user)
    token = csrf_token(client, "/patient/checkin")
    with statements() as first:
        assert _post(client, token).status_code == 302
    with statements() as again:
        assert _post(client, token, pain_now="3").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/patient/")})
    return len(_data_statements(first)), len(_data_statements(again))


def test_a_checkin_post_runs_the_same_statements_however_long_the_history(client, make_patient, login):
    short, long = _costs(client, make_patient, login, 2), _costs(client, make_patient, login, 28)
    assert short == long  # no statement per earlier day: an N+1 would grow with the history


def test_a_checkin_cancels_that_days_nudge_at_once_and_leaves_the_others(make_patient):
    patient = make_patient(performed_at=NOW - timedelta(days=5))
    outbox.sync_patient(patient, NOW)
    db.session.commit()
    today = local_today(patient, NOW)

    def nudges():
        rows = db.session.scalars(select(Reminder).where(
            Reminder.patient_id == patient.id, Reminder.kind == "daily_nudge"))
        return {(r.for_date, r.channel): (r.status, r.last_error) for r in rows}

    planned = nudges()
    assert planned[(today, "email")] == ("pending", None)
    save_checkin(patient, ANSWERS, NOW)
    db.session.commit()
    db.session.expire_all()
    after = nudges()
    assert after[(today, "email")] == after[(today, "in_app")] == ("cancelled", "no longer applies")
    assert {k: v for k, v in after.items() if k[0] != today} == {
        k: v for k, v in planned.items() if k[0] != today}
    assert after[(today + timedelta(days=1), "email")] == ("pending", None)
