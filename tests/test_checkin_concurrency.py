"""Two submissions of one patient's check-in at the same moment (two tabs, a double click), each
on its own database session: neither fails, one row remains holding one submission's answers
whole, and the other submission is kept in its history."""

import threading

import pytest
from sqlalchemy import select

from recovery.extensions import db
from recovery.models import RED_FLAGS, CheckIn, utcnow
from recovery.services import checkins
from tests.answers import checkin_answers

from .conftest import TEST_PASSWORD, csrf_token

EARLIER = checkin_answers(form=True, pain_now=7, worst_pain=8)
FIRST = {**EARLIER, "pain_now": "4"}  # the same as earlier but for the pain
SECOND = {**EARLIER, "pain_now": "6", "worst_pain": "9", "walking_level": "3", "minutes_upright": "45",
          "medication": "none", "sleep_disturbed": "yes", "note": "Second tab"}
FIELDS = checkins.SCORED + RED_FLAGS


def _stored(answers: dict) -> dict:
    """The answers as the check-in row (and its history) keeps them."""
    values = checkins.parse_checkin(answers)
    return {k: values[k] for k in FIELDS}


def _tab(app, user):
    """A browser tab signed in as `user`, with the check-in form's CSRF token."""
    client = app.test_client()
    client.post("/login", data={"login": user.email, "password": TEST_PASSWORD,
                                "csrf_token": csrf_token(client, "/login")})
    return client, csrf_token(client, "/patient/checkin")


@pytest.mark.parametrize("earlier", [False, True], ids=["first-of-the-day", "update"])
def test_two_simultaneous_checkins_keep_one_row_and_lose_neither_answer(app, make_patient, monkeypatch, earlier):
    patient = make_patient()
    if earlier:
        checkins.save_checkin(patient, EARLIER, utcnow())
        db.session.commit()
    tabs = {"first": _tab(app, patient.user), "second": _tab(app, patient.user)}

    # The first submission reads today's row, then stays open while the second one runs.
    real = checkins.todays_checkin
    first_read, second_done = threading.Event(), threading.Event()

    def todays(patient, day):
        row = real(patient, day)
        if threading.current_thread().name == "first":
            first_read.set()
            second_done.wait(1)  # with the row locked, the second cannot finish meanwhile
        return row

    monkeypatch.setattr(checkins, "todays_checkin", todays)
    statuses = {}

    def submit(name, answers):
        client, token = tabs[name]
        try:
            with app.app_context():
                statuses[name] = client.post("/patient/checkin", data={**answers, "csrf_token": token}).status_code
        finally:
            if name == "second":
                second_done.set()

    first = threading.Thread(target=submit, name="first", args=("first", FIRST))
    second = threading.Thread(target=submit, name="second", args=("second", SECOND))
    first.start()
    assert first_read.wait(60)
    second.start()
    for thread in (first, second):
        thread.join(120)
    assert statuses == {"first": 302, "second": 302}

    db.session.expire_all()
    rows = db.session.scalars(select(CheckIn).where(CheckIn.patient_id == patient.id)).all()
    assert len(rows) == 1
    row = {k: getattr(rows[0], k) for k in FIELDS}
    history = [{k: r.snapshot[k] for k in FIELDS} for r in rows[0].revisions]
    assert row in (_stored(FIRST), _stored(SECOND)), "the row mixes the two submissions"
    other = _stored(SECOND) if row == _stored(FIRST) else _stored(FIRST)
    assert history == ([_stored(EARLIER)] if earlier else []) + [other]
