"""Staff see who still needs a follow-up booked, with the window the clinic aims for, and book it."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from recovery.extensions import db
from recovery.models import Appointment, utcnow

from .conftest import csrf_token

CLINIC = ZoneInfo("America/Chicago")


@pytest.fixture
def staff(make_user, login):
    return login(make_user("staff"))


def rows(html: str) -> list[str]:
    return re.findall(r'<tr id="worklist-\d+".*?</tr>', html, re.S)


def day(value) -> str:
    local = value.astimezone(CLINIC)
    return f"{local.day} {local.strftime('%b')}"


def test_worklist_lists_who_needs_a_follow_up_oldest_first_and_booking_clears_it(client, staff, make_patient):
    now = utcnow()
    late = make_patient(name="Ana Late", record_number="MRN-0050", performed_at=now - timedelta(days=50))
    due = make_patient(name="Ben Due", record_number="MRN-0010", performed_at=now - timedelta(days=10))
    make_patient(name="Cy Fresh", performed_at=now - timedelta(days=1))  # 72-hour check still ahead
    booked = make_patient(name="Di Booked", performed_at=now - timedelta(days=20))
    make_patient(name="Ed Gone", performed_at=now - timedelta(days=30), discharged=True)
    db.session.add(Appointment(patient_id=booked.id, procedure_id=booked.procedures[0].id, kind="follow_up",
                               scheduled_for=now + timedelta(days=5), status="scheduled"))
    db.session.commit()

    html = client.get("/staff/").get_data(as_text=True)
    assert 'href="/staff/worklist"' in html  # in the staff navigation
    response = client.get("/staff/worklist")
    assert response.status_code == 200
    listed = rows(response.get_data(as_text=True))
    assert [re.search(r">([^<]+)</a>", row).group(1) for row in listed] == ["Ana Late", "Ben Due"]
    ana, ben = listed
    assert f'href="/staff/patients/{late.id}"' in ana and "MRN-0050" in ana
    performed = late.procedures[0].performed_at
    opens, closes = performed + timedelta(weeks=2), performed + timedelta(weeks=6)
    assert f"book between {day(opens)} and {day(closes)}" in ana
    assert str(performed.astimezone(CLINIC).year) in ana and ("CST" in ana or "CDT" in ana)
    assert "Overdue" in ana and "Overdue" not in ben  # 50 days is past 6 weeks; 10 days is not
    assert f'href="/staff/patients/{due.id}#book"' in ben

    page = f"/staff/patients/{due.id}"
    assert 'id="book"' in client.get(page).get_data(as_text=True)
    when = (now + timedelta(days=7)).astimezone(CLINIC).strftime("%Y-%m-%dT10:00")
    answer = client.post(f"{page}/appointments", data={"kind": "follow_up", "scheduled_for": when,
                                                       "csrf_token": csrf_token(client, page)})
    assert answer.status_code == 302
    listed = rows(client.get("/staff/worklist").get_data(as_text=True))
    assert len(listed) == 1 and "Ana Late" in listed[0]


def test_worklist_follows_the_configured_window(app, client, staff, make_patient):
    app.config["FOLLOW_UP_WINDOW"] = (1, 3)
    patient = make_patient(name="Ana Late", performed_at=utcnow() - timedelta(days=25))
    performed = patient.procedures[0].performed_at
    [row] = rows(client.get("/staff/worklist").get_data(as_text=True))
    assert f"book between {day(performed + timedelta(weeks=1))} and {day(performed + timedelta(weeks=3))}" in row
    assert "Overdue" in row


def test_an_empty_worklist_says_so(client, staff, make_patient):
    make_patient(performed_at=utcnow() - timedelta(days=1))
    html = client.get("/staff/worklist").get_data(as_text=True)
    assert rows(html) == [] and "Everyone past their 72-hour check has a follow-up booked." in html


def test_the_worklist_pages_oldest_first_and_the_url_carries_the_page(app, client, staff, make_patient,
                                                                       monkeypatch):
    from recovery.services import worklist
    monkeypatch.setattr(worklist, "PAGE_SIZE", 2)
    now = utcnow()
    for n, name in enumerate(["Eve", "Dan", "Cat", "Bob", "Ann"]):  # Ann's procedure is the oldest
        make_patient(name=name, performed_at=now - timedelta(days=10 + n))

    def names(html):
        return [re.search(r">([^<]+)</a>", row).group(1) for row in rows(html)]

    first = client.get("/staff/worklist").get_data(as_text=True)
    assert names(first) == ["Ann", "Bob"]
    assert "5 patients need a follow-up booked." in first and "Page 1 of 3" in first
    assert 'rel="next" href="/staff/worklist?page=2"' in first and 'rel="prev"' not in first
    second = client.get("/staff/worklist?page=2").get_data(as_text=True)
    assert names(second) == ["Cat", "Dan"]
    assert 'rel="prev" href="/staff/worklist"' in second and 'rel="next" href="/staff/worklist?page=3"' in second
    last = client.get("/staff/worklist?page=3").get_data(as_text=True)
    assert names(last) == ["Eve"] and 'rel="next"' not in last

    beyond = client.get("/staff/worklist?page=9")
    assert beyond.status_code == 200
    html = beyond.get_data(as_text=True)
    assert rows(html) == [] and 'href="/staff/worklist?page=3">Go to the last page (3)' in html


@pytest.mark.parametrize("page", ["0", "-1", "two", "1e3", "100001"])
def test_a_malformed_page_is_a_400_that_lists_no_one(client, staff, make_patient, page):
    make_patient(performed_at=utcnow() - timedelta(days=10))
    response = client.get(f"/staff/worklist?page={page}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert rows(html) == [] and "Please enter a whole number from 1 to 100000." in html
    assert 'href="/staff/worklist">Show the first page' in html
