"""Follow-up worklist membership, checked against a plain Python rule over generated patients."""

import random
from datetime import timedelta

import pytest

from recovery.extensions import db
from recovery.models import Appointment, User
from recovery.models.types import utcnow
from recovery.services import procedures, worklist
from recovery.services.worklist import follow_up_worklist, parse_window

from .conftest import statements


def test_worklist_matches_a_plain_rule_oldest_first(app, make_patient):
    rng = random.Random(18)
    now = utcnow()
    made = []
    for _ in range(12):
        days_ago = rng.randint(0, 60)
        patient = make_patient(performed_at=now - timedelta(days=days_ago, hours=rng.randint(0, 23)))
        procedure = patient.procedures[0]
        follow = rng.choice([None, "scheduled", "completed", "cancelled", "missed"])
        patient.discharged = rng.random() < 0.2
        if follow:
            db.session.add(Appointment(patient_id=patient.id, procedure_id=procedure.id, kind="follow_up",
                                       scheduled_for=procedure.performed_at + timedelta(weeks=3), status=follow))
        made.append((patient, procedure, follow))
    db.session.commit()

    expected = sorted(
        (procedure.performed_at, procedure.id) for patient, procedure, follow in made
        if follow not in ("scheduled", "completed") and not patient.discharged
        and any(a.kind == "check_72h" and a.scheduled_for < now for a in procedure.appointments))
    with statements() as seen:
        listing = follow_up_worklist(now)
    assert len(seen) == 1  # the page and its count in one statement
    got = listing.entries
    assert [(e.performed_at, e.procedure_id) for e in got] == expected
    assert listing.total == len(expected) and listing.pages == 1
    assert expected, "the generator should leave someone on the list"
    first = got[0]
    assert first.window_opens == first.performed_at + timedelta(weeks=2)
    assert first.window_closes == first.performed_at + timedelta(weeks=6)


@pytest.mark.parametrize("bad", ["", "6-2", "two-six", "2", "-1-3"])
def test_a_malformed_window_is_refused(bad):
    with pytest.raises(ValueError, match="FOLLOW_UP_WINDOW_WEEKS"):
        parse_window(bad)


def test_window_parses():
    assert parse_window("2-6") == (2, 6)


def test_only_the_current_procedure_waits_for_a_booking(app, make_patient):
    """A booking attaches to the latest procedure, so an older one never stays on the list."""
    now = utcnow()
    patient = make_patient(performed_at=now - timedelta(days=60))
    procedures.record_procedure(patient, {
        "type": "vertebroplasty", "performed_at": now - timedelta(days=10), "levels": "T12",
        "fracture_cause": "osteoporosis", "anaesthesia": "local", "setting": "outpatient", "baseline_pain": 7,
    }, db.session.scalar(db.select(User).where(User.role == "staff")), now)
    db.session.commit()
    got = follow_up_worklist(now).entries
    assert [e.procedure_id for e in got] == [patient.current_procedure.id]
    assert got[0].name == patient.name and not got[0].overdue(now)
    assert got[0].overdue(got[0].window_closes + timedelta(minutes=1))


def test_pages_follow_one_another_oldest_first_and_count_the_whole_list(app, make_patient, monkeypatch):
    monkeypatch.setattr(worklist, "PAGE_SIZE", 3)
    now = utcnow()
    made = [make_patient(performed_at=now - timedelta(days=10 + n)) for n in range(8)]
    oldest_first = [p.procedures[0].id for p in reversed(made)]
    pages = [follow_up_worklist(now, page=n) for n in (1, 2, 3)]
    assert [[e.procedure_id for e in p.entries] for p in pages] == [
        oldest_first[:3], oldest_first[3:6], oldest_first[6:]]
    assert {(p.total, p.pages) for p in pages} == {(8, 3)}
    with statements() as seen:
        beyond = follow_up_worklist(now, page=4)
    assert beyond.entries == [] and beyond.total == 8 and beyond.past_end
    assert len(seen) == 2  # the empty page, then the count alone
