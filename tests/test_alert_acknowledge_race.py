"""Two clinicians acknowledge one alert at the same moment, each from their own browser (or API
token) on their own database session: exactly one closes it, the other is told who closed it
and when, and neither note is lost (the second is kept on the alert as a follow-up)."""

import threading

import pytest
from sqlalchemy import select

from recovery.extensions import db
from recovery.models import Alert, AlertNote, AuditEvent, utcnow
from recovery.services import audit
from recovery.services.checkins import save_checkin
from tests.answers import checkin_answers

from .api_helpers import bearer, token_for
from .conftest import session_key_for

ANSWERS = checkin_answers(form=True, flag_neuro='yes')
NOTES = {"first": "Phoned the patient: seen in clinic today.", "second": "Called; booked an MRI."}


def _browser(app, user):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = session_key_for(user)
        session["_fresh"] = True
    return client


@pytest.mark.parametrize("way", ["web", "api"])
def test_two_clinicians_acknowledging_at_once_keep_both_notes_and_the_second_is_told(
        app, make_patient, make_user, monkeypatch, way):
    app.config["WTF_CSRF_ENABLED"] = False  # two signed-in browsers; CSRF has its own tests
    patient = make_patient()
    save_checkin(patient, ANSWERS, utcnow())
    db.session.commit()
    alert_id = db.session.scalar(select(Alert.id).where(Alert.patient_id == patient.id))
    clinicians = {"first": make_user("clinician", name="Dr Ada Okafor"),
                  "second": make_user("clinician", name="Dr Ben Ruiz")}
    browsers = {name: _browser(app, user) for name, user in clinicians.items()}
    tokens = {name: token_for(user) for name, user in clinicians.items()}

    # The first acknowledgement stops just before it records itself (after any check it makes)
    # and waits while the second one runs: a check separate from the write lets both through.
    real = audit.record
    first_paused, second_done = threading.Event(), threading.Event()

    def record(actor, action, patient=None, now=None):
        if threading.current_thread().name == "first" and not first_paused.is_set():
            first_paused.set()
            second_done.wait(2)  # an atomic acknowledgement makes the second wait for this one
        return real(actor, action, patient, now)

    monkeypatch.setattr(audit, "record", record)
    told = {}

    def acknowledge(name):
        try:
            with app.app_context():
                if way == "web":
                    response = browsers[name].post(f"/clinic/alerts/{alert_id}/ack",
                                                   data={"note": NOTES[name]}, follow_redirects=True)
                    told[name] = (response.status_code, response.get_data(as_text=True))
                else:
                    response = app.test_client().post(
                        f"/api/v1/alerts/{alert_id}/acknowledge", json={"note": NOTES[name]},
                        headers=bearer(tokens[name]))
                    told[name] = (response.status_code, response.get_json().get("message", ""))
        finally:
            if name == "second":
                second_done.set()

    first = threading.Thread(target=acknowledge, name="first", args=("first",))
    second = threading.Thread(target=acknowledge, name="second", args=("second",))
    first.start()
    assert first_paused.wait(60)
    second.start()
    for thread in (first, second):
        thread.join(120)

    db.session.expire_all()
    alert = db.session.get(Alert, alert_id)
    notes = db.session.scalars(select(AlertNote).where(AlertNote.alert_id == alert_id)).all()
    # Both notes are kept: the acknowledgement's and one follow-up, by the other clinician.
    assert len(notes) == 1
    kept = {alert.acknowledged_by_id: alert.note, notes[0].author_id: notes[0].note}
    assert kept == {clinicians[name].id: NOTES[name] for name in NOTES}
    closer = next(name for name in NOTES if clinicians[name].id == alert.acknowledged_by_id)
    other = "second" if closer == "first" else "first"
    # The one who closed it was told so; the other was told who closed it first, and when.
    ok_status, conflict_status = (200, 200) if way == "web" else (200, 409)
    assert told[closer][0] == ok_status and told[other][0] == conflict_status
    if way == "web":
        assert "Alert acknowledged." in told[closer][1] and "Alert acknowledged." not in told[other][1]
    assert f"already acknowledged by {clinicians[closer].display_name} at " in told[other][1]
    assert "added to it as a follow-up" in told[other][1]
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("alert.%"))).all()
    assert sorted(actions) == ["alert.acknowledge", "alert.follow_up"]
