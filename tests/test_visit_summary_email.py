"""The day before a follow-up, the clinician gets one e-mail linking to the visit summary (real SMTP)."""

import re
from datetime import timedelta

from sqlalchemy import select

from recovery.extensions import db
from recovery.jobs import dispatch_due
from recovery.models import Appointment, Reminder
from recovery.services import appointments

from .conftest import NOW, client_as

PROCEDURE = NOW  # 09:00 in Chicago
VISIT = NOW + timedelta(days=14, hours=1)  # 10:00 on 4 December (CST)
DAY_BEFORE_8AM = NOW + timedelta(days=13, hours=-1)  # 08:00 on 3 December, clinic time


def _setup(make_patient, make_user, assign=True):
    clinician = make_user("clinician", name="Dr Quinn")
    patient = make_patient(performed_at=PROCEDURE, recorded_at=PROCEDURE + timedelta(minutes=30),
                           name="Ada Lovelace")
    if assign:
        patient.clinician_id = clinician.id
    visit = Appointment(patient_id=patient.id, procedure_id=patient.current_procedure.id, kind="follow_up",
                        scheduled_for=VISIT, updated_at=PROCEDURE)
    db.session.add(visit)
    db.session.commit()
    return clinician, patient, visit


def _to(sink, user):
    return [m for m in sink.messages if m["To"] == user.email]


def test_clinician_gets_one_email_the_day_before_with_a_link_and_no_clinical_detail(
        app, make_patient, make_user, smtp_sink):
    clinician, patient, visit = _setup(make_patient, make_user)
    make_user("clinician")  # another clinician, not this patient's: hears nothing
    dispatch_due(DAY_BEFORE_8AM - timedelta(minutes=1))
    assert _to(smtp_sink, clinician) == []
    dispatch_due(DAY_BEFORE_8AM)
    dispatch_due(DAY_BEFORE_8AM + timedelta(minutes=1))
    dispatch_due(VISIT - timedelta(hours=1))
    (mail,) = _to(smtp_sink, clinician)
    assert len([m for m in smtp_sink.messages if "visit summary" in m["Subject"]]) == 1
    body = mail.get_body(("plain",)).get_content()
    link = f"http://localhost/clinic/patients/{patient.id}/summary?visit={visit.id}"
    assert link in body and f"appointment {visit.id}" in body and "Dec 4, 2026" in body
    for secret in ("Ada", "Lovelace", patient.record_number, "kyphoplasty", "pain", "L1"):
        assert secret.lower() not in (body + mail["Subject"]).lower()
    row = db.session.scalar(select(Reminder).where(Reminder.kind == "visit_summary"))
    assert (row.status, row.recipient_id, row.channel) == ("sent", clinician.id, "clinic")
    # The link opens the summary for the clinician who signs in.
    client = client_as(app, {"c": clinician}, "c")
    assert client.get(link.removeprefix("http://localhost")).status_code == 200


def test_a_reschedule_moves_the_email_and_a_cancel_drops_it(app, make_patient, make_user, smtp_sink):
    clinician, patient, visit = _setup(make_patient, make_user)
    staff = make_user("staff")
    dispatch_due(PROCEDURE + timedelta(days=5))  # planned for 3 December
    appointments.reschedule(visit, {"scheduled_for": "2026-12-11T10:00"}, staff, PROCEDURE + timedelta(days=6))
    db.session.commit()
    dispatch_due(DAY_BEFORE_8AM + timedelta(minutes=5))  # the old time: nothing
    assert _to(smtp_sink, clinician) == []
    moved = DAY_BEFORE_8AM + timedelta(days=7)
    dispatch_due(moved)
    dispatch_due(moved + timedelta(minutes=1))
    (mail,) = _to(smtp_sink, clinician)
    assert "Dec 11, 2026" in mail.get_body(("plain",)).get_content()
    statuses = {r.idempotency_key.split(":")[2]: r.status for r in db.session.scalars(
        select(Reminder).where(Reminder.kind == "visit_summary"))}
    assert statuses == {f"a{visit.id}r1": "cancelled", f"a{visit.id}r2": "sent"}

    other_clinician, other, other_visit = _setup(make_patient, make_user)
    dispatch_due(PROCEDURE + timedelta(days=5))
    appointments.cancel(other_visit, staff, PROCEDURE + timedelta(days=6))
    db.session.commit()
    dispatch_due(DAY_BEFORE_8AM)
    dispatch_due(VISIT)
    assert _to(smtp_sink, other_clinician) == []


def test_without_an_assigned_clinician_every_active_clinician_hears_once(
        app, make_patient, make_user, smtp_sink):
    first, patient, visit = _setup(make_patient, make_user, assign=False)
    second = make_user("clinician")
    away = make_user("clinician", active=False)
    dispatch_due(DAY_BEFORE_8AM)
    dispatch_due(DAY_BEFORE_8AM + timedelta(minutes=1))
    assert len(_to(smtp_sink, first)) == 1 and len(_to(smtp_sink, second)) == 1
    assert _to(smtp_sink, away) == []
    ids = {m["Message-ID"] for m in smtp_sink.messages if "visit summary" in m["Subject"]}
    assert len(ids) == 2 and all(re.match(r"<\w+@recovery.local>", i) for i in ids)


def test_a_visit_booked_after_8am_the_day_before_is_announced_at_booking(
        app, make_patient, make_user, smtp_sink):
    clinician, patient, visit = _setup(make_patient, make_user)
    booked = DAY_BEFORE_8AM + timedelta(hours=3)
    visit.updated_at = booked  # as if staff booked it at 11:00 the day before
    db.session.commit()
    dispatch_due(booked - timedelta(minutes=1))
    assert _to(smtp_sink, clinician) == []
    dispatch_due(booked)
    assert len(_to(smtp_sink, clinician)) == 1
