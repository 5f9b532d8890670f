"""Issue 19, item 3: the triage list pages too, 25 a page, urgent first, its page in the URL."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from recovery.extensions import db
from recovery.models import Alert, AuditEvent, utcnow
from recovery.services import triage

from .conftest import statements
from .pages import text


def _alerts(patients, severity, count, minutes_ago):
    """`count` open alerts of `severity` spread over `patients`, the first the oldest."""
    now = utcnow()
    made = []
    for i in range(count):
        patient = patients[i % len(patients)]
        alert = Alert(patient_id=patient.id, kind="red_flag" if severity == "urgent" else "missed_checkins",
                      severity=severity, created_at=now - timedelta(minutes=minutes_ago - i),
                      detail=f"{severity}-{i}")
        db.session.add(alert)
        made.append(alert)
    db.session.commit()
    return made


def _triage(client, query="") -> str:
    page = text(client.get("/clinic/" + query))
    return page[page.index('id="triage-h"'):page.index('id="patients-h"')]


def _link(html: str, rel: str) -> str:
    return re.search(rf'<a rel="{rel}" href="([^"]+)"', html).group(1).replace("&amp;", "&")


def _rows(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-alert="(\d+)"', html)]


def test_the_triage_list_shows_25_a_page_urgent_first_and_counts_every_open_alert(
        client, make_user, make_patient, login):
    patients = [make_patient(name=f"Pat {i}") for i in range(3)]
    routine = _alerts(patients, "routine", 27, minutes_ago=600)  # the oldest: waiting longest
    urgent = _alerts(patients, "urgent", 2, minutes_ago=5)
    login(make_user("clinician"))

    first = _triage(client)
    assert _rows(first) == [a.id for a in urgent] + [a.id for a in routine[:23]]
    assert "Urgent: 2" in first and "Routine: 27" in first
    assert "Alerts page 1 of 2" in first and "tpage=2" in _link(first, "next")

    second = _triage(client, "?tpage=2")
    assert _rows(second) == [a.id for a in routine[23:]]
    assert "Urgent: 2" in second and "Routine: 27" in second  # the counts are the clinic's, not the page's
    assert "Alerts page 2 of 2" in second
    back = _link(second, "prev")
    assert "tpage" not in back and back.endswith("#triage-h")  # back to page 1


def test_a_triage_page_past_the_end_is_empty_with_a_link_to_the_last_one(client, make_user, make_patient,
                                                                        login):
    _alerts([make_patient()], "routine", 30, minutes_ago=600)
    login(make_user("clinician"))
    response = client.get("/clinic/?tpage=9")
    assert response.status_code == 200
    html = text(response)
    listing = html[html.index('id="triage-h"'):html.index('id="patients-h"')]
    assert _rows(listing) == []
    assert "No alerts on this page." in listing
    assert re.search(r'href="/clinic/\?tpage=2[^"]*#triage-h">Go to the last page of alerts \(2\)', listing)


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "1.5", "100001", "%00", "9" * 40])
def test_a_bad_triage_page_is_a_400_beside_the_list_still_showing_the_first_page_and_writing_nothing(
        client, make_user, make_patient, login, bad):
    [alert] = _alerts([make_patient()], "urgent", 1, minutes_ago=5)
    login(make_user("clinician"))
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    response = client.get("/clinic/", query_string={"tpage": bad})
    assert response.status_code == 400
    listing = _triage(client, "?tpage=" + bad) if bad != "%00" else text(response)
    assert 'id="tpage-error"' in listing and "whole number from 1 to 100000" in listing
    assert _rows(listing) == [alert.id]  # an urgent alert is never hidden by a bad page number
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_the_url_keeps_both_the_triage_page_and_the_patient_lists_state(client, make_user, make_patient,
                                                                        login):
    patients = [make_patient(name=f"Pat {i}") for i in range(3)]
    _alerts(patients, "routine", 30, minutes_ago=600)
    login(make_user("clinician"))
    html = text(client.get("/clinic/?tpage=2&q=Pat&sort=name"))
    listing = html[html.index('id="triage-h"'):html.index('id="patients-h"')]
    prev = _link(listing, "prev")
    assert "q=Pat" in prev and "sort=name" in prev and "tpage" not in prev
    patients_part = html[html.index('id="patients-h"'):]
    sort_links = re.findall(r'href="(/clinic/\?[^"]*sort=[^"]*)"', patients_part)
    assert sort_links and all("tpage=2" in link for link in sort_links)
    assert '<input type="hidden" name="tpage" value="2">' in patients_part


def test_the_triage_page_is_two_statements_however_many_alerts(make_patient):
    patients = [make_patient() for _ in range(4)]
    sizes = []
    for count in (3, 60):
        _alerts(patients, "routine", count, minutes_ago=900)
        with statements() as seen:
            page = triage.triage_page(utcnow(), 1)
            [str(i.words) for i in page.items]
        sizes.append((len(seen), len(page.items)))
    assert sizes == [(2, 3), (2, 25)]  # a count per severity and the page itself
