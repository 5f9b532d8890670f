"""A check-in the database cannot save still shows the urgent guidance (issue 15 item 6).

Three real failures, on SQLite and PostgreSQL: the database read-only (SQLite's query_only,
PostgreSQL's default_transaction_read_only), a write failing with a full disk, and the database
down (no connection can be opened). Each check-in path answers 503 with "not saved", the guidance
for the red flags sent, worked out without the database, and logs the failure with its request id.
"""

import logging
import sqlite3
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from recovery.extensions import db
from recovery.models import Alert, CheckIn, utcnow
from recovery.reminders import links
from recovery.services.checkins import local_today
from tests.answers import checkin_answers

from .api_helpers import CHECKIN, token_for
from .conftest import csrf_token

ANSWERS = checkin_answers(form=True, pain_now=3, worst_pain=5, walking_level=3, minutes_upright=30, flag_chest='yes', note='kept-note-xyz')
NO_FLAGS = {**ANSWERS, "flag_chest": "no"}
MODES = ("read_only", "disk_full", "down")


def _disk_full_error():
    if db.engine.dialect.name == "sqlite":
        return sqlite3.OperationalError("database or disk is full")
    import psycopg

    return psycopg.errors.DiskFull("could not extend file: No space left on device")


@contextmanager
def failing_database(mode: str):
    """The database under test read-only, full or down for the requests inside the block."""
    engine = db.engine
    sqlite = engine.dialect.name == "sqlite"
    db.session.remove()
    engine.dispose()  # every connection of the block is a new one
    if mode == "read_only":
        def hook(dbapi_connection, _record, _proxy):
            cursor = dbapi_connection.cursor()
            if sqlite:
                cursor.execute("PRAGMA query_only = ON")
            else:
                cursor.execute("SET default_transaction_read_only = on")
                dbapi_connection.commit()
            cursor.close()
        name, target = "checkout", engine
    elif mode == "disk_full":
        def hook(_conn, _cursor, statement, *_args):
            if statement.lstrip().upper().startswith(("INSERT", "UPDATE")):
                raise _disk_full_error()
        name, target = "before_cursor_execute", engine
    else:
        def hook(_dialect, _record, cargs, cparams):
            if sqlite:
                raise sqlite3.OperationalError("unable to open database file")
            cparams.update(host="127.0.0.1", port=1)  # nothing listens there: connection refused
        name, target = "do_connect", engine
    event.listen(target, name, hook)
    try:
        yield
    finally:
        event.remove(target, name, hook)
        db.session.remove()
        engine.dispose()


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _assert_logged(caplog, response):
    request_id = response.headers["X-Request-ID"]
    assert any(r.levelno == logging.ERROR and "NOT saved" in r.getMessage() and request_id in r.getMessage()
               for r in caplog.records)


def _assert_not_saved_page(html: str):
    assert "Check-in not saved" in html
    assert "We could not save your check-in: call the clinic now." in html
    assert 'href="tel:2195550100"' in html  # the clinic's daytime phone, from the config
    assert "If you cannot reach the clinic and it feels like an emergency, call 911." in html
    assert "kept-note-xyz" in html and 'value="3" checked' in html  # the answers are kept to retry


@pytest.mark.parametrize("mode", MODES)
def test_patient_with_chest_pain_sees_911_when_the_check_in_cannot_be_saved(
        client, make_patient, login, caplog, mode):
    patient = make_patient()
    login(patient.user)
    token = csrf_token(client, "/patient/checkin")
    with failing_database(mode), caplog.at_level(logging.ERROR):
        response = client.post("/patient/checkin", data={**ANSWERS, "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    _assert_not_saved_page(html)
    assert 'data-testid="call-911"' in html and 'href="tel:911"' in html
    assert "The clinic has not received these answers" in html
    assert "Your check-in is saved" not in html
    _assert_logged(caplog, response)
    assert _count(CheckIn) == 0 and _count(Alert) == 0


@pytest.mark.parametrize("mode", MODES)
def test_check_in_without_a_red_flag_says_not_saved_and_keeps_the_answers(client, make_patient, login, mode):
    patient = make_patient()
    login(patient.user)
    token = csrf_token(client, "/patient/checkin")
    with failing_database(mode):
        response = client.post("/patient/checkin", data={**NO_FLAGS, "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    _assert_not_saved_page(html)
    assert 'data-testid="call-911"' not in html and 'data-testid="call-clinic"' not in html
    assert _count(CheckIn) == 0


def test_spanish_speaking_patient_gets_the_not_saved_page_in_spanish(client, make_patient, login):
    patient = make_patient(preferred_language="es")
    login(patient.user)
    token = csrf_token(client, "/patient/checkin")
    with failing_database("read_only"):
        response = client.post("/patient/checkin", data={**ANSWERS, "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "No se pudo guardar su registro: llame a la clínica ahora." in html
    assert "Llame al 911" in html


@pytest.mark.parametrize("mode", MODES)
def test_emailed_link_check_in_shows_the_guidance_and_stays_usable(client, make_patient, caplog, mode):
    patient = make_patient()
    now = utcnow()
    link = links.issue_checkin_link(patient, local_today(patient, now), now)
    db.session.commit()
    url = f"/c/{link}"
    token = csrf_token(client, url)
    with failing_database(mode), caplog.at_level(logging.ERROR):
        response = client.post(url, data={**ANSWERS, "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    _assert_not_saved_page(html)
    assert 'data-testid="call-911"' in html
    assert f'action="{url}"' in html  # sending again goes to the same link
    _assert_logged(caplog, response)
    assert _count(CheckIn) == 0
    assert client.get(url).status_code == 200  # the link was not spent


@pytest.mark.parametrize("mode", MODES)
def test_staff_phone_entry_not_saved_tells_staff_to_act_and_what_to_read_out(
        client, make_patient, make_user, login, caplog, mode):
    patient = make_patient()
    login(make_user("staff"))
    url = f"/staff/patients/{patient.id}/checkin"
    token = csrf_token(client, url)
    with failing_database(mode), caplog.at_level(logging.ERROR):
        response = client.post(url, data={**ANSWERS, "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Check-in NOT saved" in html and "You must act" in html
    assert "Tell the patient to call 911 now." in html
    assert "kept-note-xyz" in html  # the answers to send again
    _assert_logged(caplog, response)
    assert _count(CheckIn) == 0 and _count(Alert) == 0


@pytest.mark.parametrize("mode", MODES)
def test_api_check_in_not_saved_is_503_json_with_the_urgent_guidance(client, make_patient, caplog, mode):
    patient = make_patient()
    headers = {"Authorization": f"Bearer {token_for(patient.user)}"}
    with failing_database(mode), caplog.at_level(logging.ERROR):
        response = client.put("/api/v1/me/checkins/today", json={**CHECKIN, "flag_chest": True},
                              headers=headers)
    assert response.status_code == 503
    body = response.get_json()
    assert body["code"] == "checkin_not_saved" and body["saved"] is False
    assert body["message"] == "We could not save your check-in: call the clinic now."
    assert body["urgent"]["action"] == "call_911" and body["urgent"]["flags"] == ["flag_chest"]
    assert body["phone_day"] == "(219) 555-0100"
    _assert_logged(caplog, response)
    assert _count(CheckIn) == 0


@pytest.mark.parametrize("mode", ("read_only", "disk_full"))
def test_healthz_reports_a_database_that_cannot_write(client, mode):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    with failing_database(mode):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "cannot write"}
    assert client.get("/healthz").status_code == 200


def test_healthz_reports_a_nearly_full_disk_under_the_sqlite_file(app, client):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the free-space check is for a SQLite file on this machine")
    app.config["HEALTHZ_MIN_FREE_MB"] = 2**40  # more than any disk has free
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "cannot write"}


def test_with_the_database_down_the_page_speaks_the_browsers_language(client, make_patient, login):
    # The patient's own language cannot be read without the database: the browser's is used.
    patient = make_patient(preferred_language="es")
    login(patient.user)
    token = csrf_token(client, "/patient/checkin")
    with failing_database("down"):
        response = client.post("/patient/checkin", data={**ANSWERS, "csrf_token": token},
                               headers={"Accept-Language": "es"})
    assert response.status_code == 503
    assert "No se pudo guardar su registro: llame a la clínica ahora." in response.get_data(as_text=True)
