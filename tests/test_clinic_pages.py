"""The clinician's list and patient page: order, responder words, alerts, audit, bounded queries."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from recovery.extensions import db
from recovery.models import Alert, AuditEvent, CheckIn, CheckInRevision, recovery_day, utcnow
from recovery.services import alerts, clinic
from recovery.services.checkins import save_checkin
from recovery.services.responder import is_responder
from tests.answers import checkin_answers

from .conftest import csrf_token, earlier_the_same_day

CALM = checkin_answers(without=('pain_now',), worst_pain=8, walking_level=3, minutes_upright=60)


def _checkin(patient, pain_now, now=None, **answers):
    result = save_checkin(patient, {**CALM, "pain_now": pain_now, **answers}, now or utcnow())
    db.session.commit()
    return result.checkin


def _row_counts() -> dict:
    return {t.name: db.session.scalar(select(func.count()).select_from(t))
            for t in db.metadata.sorted_tables}


@pytest.mark.parametrize("baseline, pain_now, expected", [
    (4, 2, True), (4, 3, False), (9, 6, True), (9, 7, False), (10, 7, True),
    (2, 0, True), (1, 0, False), (None, 3, None), (8, None, None),
])
def test_responder_needs_two_points_and_thirty_percent(baseline, pain_now, expected):
    assert is_responder(baseline, pain_now) is expected


def test_list_puts_open_alerts_first_urgent_first_then_worst_status(app, client, make_user, make_patient,
                                                                    login):
    responding = make_patient(name="Ana Responding", baseline_pain=8)
    _checkin(responding, 3)
    not_responding = make_patient(name="Ben Stuck", baseline_pain=8)
    _checkin(not_responding, 7)
    make_patient(name="Cy Silent", baseline_pain=8)  # no check-in yet
    urgent = make_patient(name="Dee Urgent", baseline_pain=8)
    _checkin(urgent, 2, flag_neuro="yes")  # responding, but a red flag comes first
    routine = make_patient(name="Eve Routine", baseline_pain=9)
    db.session.add(Alert(patient_id=routine.id, kind="missed", severity="routine"))
    db.session.commit()

    rows = clinic.patient_summaries(utcnow())
    assert [r.name for r in rows] == ["Dee Urgent", "Eve Routine", "Ben Stuck", "Cy Silent", "Ana Responding"]
    by_name = {r.name: r for r in rows}
    for row in rows:
        assert row.responder is is_responder(row.baseline_pain, row.pain_now)
    assert by_name["Ana Responding"].status == "responding"
    assert by_name["Ben Stuck"].status == "not_responding"
    assert by_name["Cy Silent"].status == "no_checkin"
    assert by_name["Dee Urgent"].urgent and by_name["Dee Urgent"].open_alerts == 1
    assert by_name["Eve Routine"].open_alerts == 1 and not by_name["Eve Routine"].urgent
    assert by_name["Ana Responding"].change == -5
    assert by_name["Ana Responding"].days_since_procedure == 2

    login(make_user("clinician"))
    page = client.get("/clinic/").get_data(as_text=True)
    html = page[page.index('class="clinic-list"'):]  # the patient list, below the triage list
    positions = [html.index(name) for name in ("Dee Urgent", "Eve Routine", "Ben Stuck", "Cy Silent",
                                               "Ana Responding")]
    assert positions == sorted(positions)
    dee = html[html.index("Dee Urgent"):html.index("Eve Routine")]
    assert "Urgent" in dee and "1 open alert" in dee
    ana = html[html.index("Ana Responding"):]
    assert "\N{MINUS SIGN}5 from 8" in ana and "Responding" in ana
    ben = html[html.index("Ben Stuck"):html.index("Cy Silent")]
    assert "\N{MINUS SIGN}1 from 8" in ben and "Not responding yet" in ben
    assert "No check-in yet" in html[html.index("Cy Silent"):html.index("Ana Responding")]
    assert f'href="/clinic/patients/{responding.id}"' in html


def test_discharged_patients_are_listed_only_on_request(app, client, make_user, make_patient, login):
    make_patient(name="Still Here")
    make_patient(name="Gone Home", discharged=True)
    assert [r.name for r in clinic.patient_summaries(utcnow())] == ["Still Here"]
    assert {r.name for r in clinic.patient_summaries(utcnow(), include_discharged=True)} == {
        "Still Here", "Gone Home"}
    login(make_user("clinician"))
    assert "Gone Home" not in client.get("/clinic/").get_data(as_text=True)
    assert "Gone Home" in client.get("/clinic/?discharged=1").get_data(as_text=True)


def test_days_since_procedure_counts_calendar_days_in_the_patients_zone(app, make_patient):
    # 23:30 in Chicago is already the next day in UTC; one hour later it is day 1 in Chicago.
    performed = datetime(2026, 11, 19, 5, 30, tzinfo=UTC)  # 23:30 CST on 18 November
    now = datetime(2026, 11, 19, 6, 30, tzinfo=UTC)  # 00:30 CST on 19 November
    assert recovery_day(performed, now, "America/Chicago") == 1
    assert recovery_day(performed, now, "UTC") == 0
    make_patient(performed_at=performed)
    assert clinic.patient_summaries(now)[0].days_since_procedure == 1


def test_acknowledging_an_alert_records_who_when_and_note_and_closes_it(app, client, make_user,
                                                                         make_patient, login):
    patient = make_patient(name="Dee Urgent")
    _checkin(patient, 5, flag_neuro="yes")
    alert = db.session.scalar(select(Alert).where(Alert.patient_id == patient.id))
    clinician = login(make_user("clinician"))
    page = f"/clinic/patients/{patient.id}"
    before = utcnow()
    response = client.post(f"/clinic/alerts/{alert.id}/ack",
                           data={"note": "Phoned: no weakness now, seen tomorrow.",
                                 "csrf_token": csrf_token(client, page)})
    assert response.status_code == 302
    assert response.headers["Location"].startswith(page)
    alert = db.session.get(Alert, alert.id)
    assert alert.acknowledged_by_id == clinician.id
    assert before <= alert.acknowledged_at <= utcnow()
    assert alert.note == "Phoned: no weakness now, seen tomorrow."
    assert alerts.open_alerts(patient) == []
    assert clinic.patient_summaries(utcnow())[0].open_alerts == 0
    html = client.get(page).get_data(as_text=True)
    assert "Alert acknowledged." in html
    assert "Phoned: no weakness now, seen tomorrow." in html
    assert f"/clinic/alerts/{alert.id}/ack" not in html  # no form for a closed alert


def test_acknowledging_without_a_note_is_refused_next_to_the_field_and_writes_nothing(
        app, client, make_user, make_patient, login):
    patient = make_patient()
    _checkin(patient, 5, flag_calf="yes")
    alert = db.session.scalar(select(Alert).where(Alert.patient_id == patient.id))
    login(make_user("clinician"))
    token = csrf_token(client, f"/clinic/patients/{patient.id}")
    before = _row_counts()
    response = client.post(f"/clinic/alerts/{alert.id}/ack", data={"note": "   ", "csrf_token": token})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="note-{alert.id}-error"' in html
    assert "Please write what you did or decided." in html
    assert f'aria-describedby="note-{alert.id}-error"' in html
    assert _row_counts() == before
    assert db.session.get(Alert, alert.id).acknowledged_at is None
    assert len(alerts.open_alerts(patient)) == 1


def test_unknown_alert_and_unknown_patient_are_not_found(app, client, make_user, login):
    login(make_user("clinician"))
    assert client.get("/clinic/patients/424242").status_code == 404
    token = csrf_token(client, "/clinic/")
    assert client.post("/clinic/alerts/424242/ack", data={"note": "x", "csrf_token": token}).status_code == 404


def test_each_view_of_a_patient_is_audited_with_actor_patient_and_ip(app, client, make_user,
                                                                     make_patient, login):
    patient = make_patient()
    clinician = login(make_user("clinician"))
    for _ in range(2):
        assert client.get(f"/clinic/patients/{patient.id}").status_code == 200
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "patient.view")).all()
    assert len(events) == 2
    for event_ in events:
        assert event_.actor_id == clinician.id
        assert event_.patient_id == patient.id
        assert event_.ip_address == "127.0.0.1"
        assert event_.at is not None


def test_patient_page_shows_the_record_with_phone_entries_revisions_and_72_hour_check(
        app, client, make_user, make_patient, login):
    staff = make_user("staff", name="Sam Staff")
    now = utcnow()
    patient = make_patient(performed_at=now - timedelta(hours=72), baseline_pain=9)
    # Saved earlier the same local day, then changed by phone: one check-in with one earlier version
    # (an hour before, except in Chicago's first hour of the day, when that was yesterday).
    save_checkin(patient, {**CALM, "pain_now": 6}, earlier_the_same_day(now, timedelta(hours=1)))
    save_checkin(patient, {**CALM, "pain_now": 4, "flag_infection": "yes", "note": "Red skin at site"},
                 now, entered_by=staff)
    db.session.commit()
    checkin = db.session.scalar(select(CheckIn).where(CheckIn.patient_id == patient.id))
    assert checkin.is_72h_check
    assert db.session.scalar(select(func.count()).select_from(CheckInRevision)) == 1

    login(make_user("clinician"))
    html = client.get(f"/clinic/patients/{patient.id}").get_data(as_text=True)
    for text in ("Kyphoplasty", "L1", "Osteoporosis", "Local", "Outpatient", "Baseline pain",
                 "72-hour check", "Completed", "entered by phone by Sam Staff", "1 earlier version",
                 "Fever, or redness or discharge at the needle site", "Red skin at site",
                 "Over-the-counter (bought without a prescription)", "Walks indoors unaided", "Day 3", "Responding",
                 "What you did or decided (required)", 'name="csrf_token"'):
        assert text in html, text


def _cohort(make_patient, count, start):
    now = utcnow()
    for i in range(count):
        patient = make_patient(name=f"Patient {start + i:03d}", baseline_pain=8)
        save_checkin(patient, {**CALM, "pain_now": 3 + i % 5, "flag_chest": "yes" if i % 4 == 0 else "no"},
                     now)
    db.session.commit()


def _statements(fn):
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        result = fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return result, len(statements)


def test_patient_list_uses_the_same_number_of_queries_for_3_and_30_patients(app, client, make_user,
                                                                            make_patient, login):
    _cohort(make_patient, 3, 0)
    db.session.expire_all()
    rows, few = _statements(lambda: clinic.patient_summaries(utcnow()))
    assert len(rows) == 3
    _cohort(make_patient, 27, 3)
    db.session.expire_all()
    rows, many = _statements(lambda: clinic.patient_summaries(utcnow()))
    assert len(rows) == 30
    assert few == many == 1

    # The page itself, too: the login's user lookup, the triage list's count and page, "has my
    # patients", the clinician options, the time zones in use (each patient's own today), then the
    # list's count and page.
    login(make_user("clinician"))
    _, page_many = _statements(lambda: client.get("/clinic/"))
    assert page_many <= 8
