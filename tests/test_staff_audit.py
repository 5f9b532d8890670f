"""The staff audit page: events by patient, user and clinic date range, newest first, one query."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from recovery.extensions import db
from recovery.models import AuditEvent
from recovery.services import audit_log

from .conftest import statements
from .pages import text

# 23:30 in Chicago on 2 November is 05:30 UTC on 3 November.
LATE_EVENING = datetime(2026, 11, 3, 5, 30, tzinfo=UTC)


@pytest.fixture
def people(make_user, make_patient, login):
    staff = login(make_user("staff", email="sam@clinic.example", name="Sam Staff"))
    doctor = make_user("clinician", email="dr.kim@clinic.example", name="Dr Kim")
    ann = make_patient(name="Ann Audit", record_number="MRN-ANN")
    bob = make_patient(name="Bob Audit", record_number="MRN-BOB")
    db.session.execute(insert(AuditEvent), [
        {"actor_id": doctor.id, "action": "patient.view", "patient_id": ann.id, "at": LATE_EVENING,
         "ip_address": "10.0.0.7"},
        {"actor_id": doctor.id, "action": "alert.acknowledge", "patient_id": bob.id,
         "at": LATE_EVENING + timedelta(days=1)},
        {"actor_id": staff.id, "action": "patient.view", "patient_id": ann.id,
         "at": LATE_EVENING + timedelta(days=2)},
        {"actor_id": doctor.id, "action": "cohort.view", "patient_id": None,
         "at": LATE_EVENING + timedelta(days=3)},
    ])
    db.session.commit()
    return {"staff": staff, "doctor": doctor, "ann": ann, "bob": bob}


def events(page: str) -> list[tuple[str, str, str]]:
    """(who, what, patient) of each listed event, top to bottom."""
    table = page[page.index('class="audit-log"'):]
    rows = re.findall(r'<tr data-event="\d+">(.*?)</tr>', table, re.S)
    cells = [[re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip()
              for c in re.findall(r"<td>(.*?)</td>", row, re.S)] for row in rows]
    return [(c[1].split(" (")[0], c[2], c[3].split(" MRN")[0]) for c in cells]


def test_the_audit_page_lists_every_event_newest_first_with_names(client, people):
    page = text(client.get("/staff/audit"))
    listed = [e for e in events(page) if e[1] != "Recorded a procedure"]  # make_patient's own events
    assert listed == [
        ("Dr Kim", "Viewed the cohort statistics", "—"),
        ("Sam Staff", "Viewed the patient's record", "Ann Audit"),
        ("Dr Kim", "Acknowledged an alert", "Bob Audit"),
        ("Dr Kim", "Viewed the patient's record", "Ann Audit"),
    ]
    assert "10.0.0.7" in page and "dr.kim@clinic.example" in page


@pytest.mark.parametrize("query, want", [
    ("patient=MRN-ANN", [("Sam Staff", "Ann Audit"), ("Dr Kim", "Ann Audit")]),
    ("patient=mrn-bob", [("Dr Kim", "Bob Audit")]),  # any case
    ("user=DR.KIM@clinic.example&patient=MRN-ANN", [("Dr Kim", "Ann Audit")]),
    # Clinic dates: the 23:30 event of 2 November counts on the 2nd although it is the 3rd in UTC.
    ("from=2026-11-02&to=2026-11-02", [("Dr Kim", "Ann Audit")]),
    ("from=2026-11-03&to=2026-11-04&user=dr.kim@clinic.example", [("Dr Kim", "Bob Audit")]),
])
def test_filters_narrow_the_audit_log(client, people, query, want):
    response = client.get(f"/staff/audit?{query}")
    assert response.status_code == 200
    got = [(who, patient) for who, what, patient in events(text(response)) if what != "Recorded a procedure"]
    assert got == want


def test_patient_and_user_may_be_given_by_number(client, people):
    page = text(client.get(f"/staff/audit?patient={people['bob'].id}&user={people['doctor'].id}"))
    assert [e[1] for e in events(page)] == ["Acknowledged an alert"]


def test_bad_filters_get_a_message_next_to_each_field_and_400(client, people):
    response = client.get("/staff/audit?patient=NOBODY&user=nobody@example.org&from=2026-11-05&to=2026-11-01")
    assert response.status_code == 400
    page = text(response)
    for field, words in (("patient", "No patient has the record number or number “NOBODY”."),
                         ("user", "No user has the e-mail address or number “nobody@example.org”."),
                         ("to", "The end date is before the start date.")):
        assert re.search(rf'id="{field}-error"[^>]*>[^<]*{re.escape(words)}', page), field
    assert 'class="audit-log"' not in page
    assert client.get("/staff/audit?user=kim").status_code == 400  # neither an e-mail nor a number
    assert client.get("/staff/audit?from=2026-02-30").status_code == 400
    assert client.get("/staff/audit?patient=99999999999999999999").status_code == 400


def test_the_listing_is_one_query_and_says_when_older_events_were_left_out(client, people):
    db.session.execute(insert(AuditEvent), [
        {"actor_id": people["staff"].id, "action": "patient.view", "patient_id": people["bob"].id,
         "at": LATE_EVENING - timedelta(minutes=i)} for i in range(1, 201)])
    db.session.commit()
    with statements() as seen:
        listing = audit_log.list_events()
    assert len(seen) == 1
    assert len(listing.rows) == 200 and listing.truncated
    page = text(client.get("/staff/audit"))
    assert page.count('<tr data-event="') == 200
    assert "Only the newest 200 events are shown" in page


def test_only_staff_reach_the_audit_page(client, make_user, make_patient, login):
    login(make_user("clinician"))
    assert client.get("/staff/audit").status_code == 403
