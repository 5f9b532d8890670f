"""Issue 19, item 3: a triage row says what happened, and an alert can be acknowledged from it."""

from datetime import timedelta

from sqlalchemy import select

from recovery.extensions import db
from recovery.models import Alert, utcnow
from recovery.services.checkins import save_checkin

from .conftest import csrf_token
from .pages import text
from .test_clinic_triage_page import CALM

NOTE = "My right leg feels numb since this morning and I nearly fell in the bathroom. " * 3


def _listing(client) -> str:
    page = text(client.get("/clinic/"))
    return page[page.index('id="triage-h"'):page.index('id="patients-h"')]


def _flagged(make_patient):
    now = utcnow()
    patient = make_patient(name="Una Urgent", baseline_pain=8, phone="219-555-0142",
                           performed_at=now - timedelta(days=4))
    save_checkin(patient, {**CALM, "pain_now": 7, "walking_level": 1, "flag_neuro": "yes", "note": NOTE},
                 now - timedelta(days=1))
    save_checkin(patient, {**CALM, "pain_now": 4}, now)  # a later, calmer check-in: "pain now"
    db.session.commit()
    return patient, db.session.scalar(select(Alert).where(Alert.patient_id == patient.id,
                                                          Alert.kind == "red_flag"))


def test_a_triage_row_shows_the_answers_the_note_pain_at_the_alert_and_now_and_a_tel_link(
        client, make_user, make_patient, login):
    patient, alert = _flagged(make_patient)
    login(make_user("clinician"))
    row = _listing(client)
    assert "New weakness or numbness in the legs" in row
    assert "Walking that day: A few steps indoors with help" in row
    assert "At the alert: 7 of 10, baseline 8" in row
    assert "Now: 4 of 10" in row
    assert 'href="tel:219-555-0142"' in row
    short = row[row.index("Note:"):row.index("</summary>")]
    assert short.endswith("…") and len(short) < 200  # shortened ...
    assert NOTE.strip()[-40:] in row  # ... and the whole note is there to expand


def test_the_triage_list_counts_open_alerts_per_severity(client, make_user, make_patient, login):
    _flagged(make_patient)
    quiet = make_patient(name="Rob Routine")
    db.session.add(Alert(patient_id=quiet.id, kind="missed_checkins", severity="routine", created_at=utcnow(),
                         detail=f"p{quiet.current_procedure.id}:since:2026-11-16"))
    db.session.commit()
    login(make_user("clinician"))
    counts = _listing(client)
    counts = counts[counts.index('data-testid="severity-counts"'):counts.index("</p>")]
    assert "Urgent: 1" in counts and "High: 0" in counts and "Routine: 2" in counts  # the missed check-ins, and the 72-hour non-responder (8 -> 7)


def test_acknowledging_from_the_row_returns_to_the_list_and_a_second_one_is_told_who_did_it(
        client, make_user, make_patient, login):
    patient, alert = _flagged(make_patient)
    ann = make_user("clinician", name="Ann Clinician")
    login(ann)
    assert f'action="/clinic/alerts/{alert.id}/ack"' in _listing(client)
    response = client.post(f"/clinic/alerts/{alert.id}/ack", data={"note": "Phoned; seen today.", "back": "triage",
                                 "csrf_token": csrf_token(client, "/clinic/")})
    assert response.status_code == 302 and response.headers["Location"].endswith("/clinic/#triage-h")
    db.session.expire_all()
    assert not db.session.get(Alert, alert.id).is_open
    page = text(client.get("/clinic/"))
    assert "Alert acknowledged." in page
    assert f'data-alert="{alert.id}"' not in page[page.index('id="triage-h"'):page.index('id="patients-h"')]
    token = csrf_token(client, f"/clinic/patients/{patient.id}")
    again = client.post(f"/clinic/alerts/{alert.id}/ack", data={"note": "Me too.", "back": "triage", "csrf_token": token},
                        follow_redirects=True)
    assert "already acknowledged by Ann Clinician at " in again.get_data(as_text=True)


def test_an_empty_note_from_the_row_writes_nothing(client, make_user, make_patient, login):
    patient, alert = _flagged(make_patient)
    login(make_user("clinician"))
    response = client.post(f"/clinic/alerts/{alert.id}/ack", data={"note": "", "back": "triage",
                                 "csrf_token": csrf_token(client, "/clinic/")})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Alert, alert.id).is_open
