"""The audit trail is append-only in the database itself: SQL from the app's connection cannot
change or remove a row (migration f6b2d1ef6a66), whatever the ORM's own guard."""

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError

from recovery.extensions import db
from recovery.models import AuditEvent
from recovery.services import audit

from .conftest import _make_app
from .databases import fresh_database


@pytest.fixture
def event(make_user, make_patient):
    doctor = make_user("clinician")
    recorded = audit.record(doctor, "patient.view", make_patient())
    db.session.flush()
    event_id = recorded.id
    db.session.commit()  # and no transaction left open, whose lock would hold up TRUNCATE
    return event_id, doctor


def _trail():
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT id, action, actor_id, patient_id FROM audit_events ORDER BY id")).all()


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET action = 'nothing.happened' WHERE id = :id",
    "UPDATE audit_events SET actor_id = NULL, patient_id = NULL",
    "DELETE FROM audit_events WHERE id = :id",
    "DELETE FROM audit_events",
])
def test_sql_from_the_apps_connection_cannot_change_or_delete_an_audit_row(app, event, statement):
    event_id, _ = event
    before = _trail()
    with pytest.raises(DBAPIError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text(statement), {"id": event_id})
    assert _trail() == before and len(before) >= 2  # the enrolment's own event and the view


def test_truncate_is_refused_on_postgresql(app, event):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE (its DELETE without WHERE is refused above)")
    before = _trail()
    with pytest.raises(DBAPIError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text("SET LOCAL lock_timeout = '10s'"))
            conn.execute(text("TRUNCATE audit_events"))
    assert _trail() == before


def test_new_audit_rows_are_still_written(app, event, make_patient):
    _, doctor = event
    count = db.session.scalar(select(func.count()).select_from(AuditEvent))
    audit.record(doctor, "patient.view", make_patient())
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == count + 2  # enrolment + view


def test_the_audit_page_still_lists_the_trail(client, login, make_user, event):
    login(make_user("staff"))
    page = client.get("/staff/audit")
    _, doctor = event
    assert page.status_code == 200 and doctor.display_name in page.get_data(as_text=True)


def test_downgrade_drops_the_guard_and_upgrade_puts_it_back(tmp_path):
    with fresh_database(tmp_path) as url:
        app = _make_app(url, tmp_path / "instance")
        with app.app_context():
            directory = app.extensions["migrate"].directory
            upgrade(directory=directory)
            insert = text("INSERT INTO audit_events (action, at) VALUES ('cohort.view', '2026-12-01 10:00:00')")
            engine = create_engine(url)
            try:
                with engine.begin() as conn:
                    conn.execute(insert)
                with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                    conn.execute(text("UPDATE audit_events SET action = 'x'"))
                downgrade(directory=directory, revision="f6b2d1ef6a66-1")  # the one before the guard
                with engine.begin() as conn:
                    assert conn.execute(text("UPDATE audit_events SET action = 'x'")).rowcount == 1
                upgrade(directory=directory)
                with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                    conn.execute(text("DELETE FROM audit_events"))
            finally:
                engine.dispose()
                db.session.remove()
                db.engine.dispose()
