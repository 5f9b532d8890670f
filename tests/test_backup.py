"""Backups made while the app writes lose nothing committed before them, and restore brings them back."""

import sqlite3
import threading

import pytest
from sqlalchemy import func, select

from recovery.extensions import db
from recovery.models import AuditEvent, CheckIn, Patient, utcnow
from recovery.services.checkins import save_checkin
from tests.answers import checkin_answers

WRITES_BEFORE_BACKUP = 20
ANSWERS = checkin_answers()


def _writer(app, actor_id, committed, started, stop):
    """Commit audit events one by one until told to stop, as a busy app would."""
    with app.app_context():
        while not stop.is_set():
            event = AuditEvent(actor_id=actor_id, action="test.write")
            db.session.add(event)
            db.session.commit()
            committed.append(event.id)
            if len(committed) >= WRITES_BEFORE_BACKUP:
                started.set()
        db.session.remove()


def test_backup_while_writing_then_restore_keeps_everything_committed_before(
    app, runner, make_user, make_patient, tmp_path
):
    patient = make_patient()
    patient_id = patient.id
    save_checkin(patient, ANSWERS, utcnow())
    db.session.commit()
    checkins_before = db.session.scalar(select(func.count()).select_from(CheckIn))
    assert checkins_before == 1
    actor_id = make_user("staff").id
    db.session.commit()
    committed, started, stop = [], threading.Event(), threading.Event()
    thread = threading.Thread(target=_writer, args=(app, actor_id, committed, started, stop))
    thread.start()
    try:
        assert started.wait(60), "the writer never got going"
        before = list(committed)  # all of these were committed before the backup began
        result = runner.invoke(args=["backup", str(tmp_path / "recovery.backup")])
    finally:
        stop.set()
        thread.join(60)
    assert result.exit_code == 0, result.output
    assert "Backup written to" in result.output
    # Writes after the backup: the restore must take the database back to the backup's moment.
    late = AuditEvent(actor_id=actor_id, action="test.after-backup")
    db.session.add(late)
    db.session.commit()
    late_id = late.id

    result = runner.invoke(args=["restore", str(tmp_path / "recovery.backup"), "--yes"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    ids = set(db.session.scalars(select(AuditEvent.id).where(AuditEvent.action == "test.write")))
    assert set(before) <= ids  # nothing committed before the backup is missing
    assert ids <= set(committed)  # and nothing appears that was never committed
    assert db.session.get(AuditEvent, late_id) is None
    assert db.session.get(Patient, patient_id) is not None
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == checkins_before


def test_restore_needs_yes_and_a_recovery_backup(app, runner, make_user, tmp_path):
    make_user("staff")
    path = tmp_path / "b.backup"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    refused = runner.invoke(args=["restore", str(path)])
    assert refused.exit_code != 0 and "--yes" in refused.output
    assert (path.stat().st_mode & 0o777) == 0o600  # health data: readable by its owner only

    text = tmp_path / "notes.txt"
    text.write_text("hello")
    refused = runner.invoke(args=["restore", str(text), "--yes"])
    assert refused.exit_code != 0 and "is not a Recovery backup" in refused.output

    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE things (id INTEGER)")
    connection.close()
    refused = runner.invoke(args=["restore", str(other), "--yes"])
    assert refused.exit_code != 0 and "is not a Recovery backup" in refused.output

    refused = runner.invoke(args=["restore", str(tmp_path / "missing.backup"), "--yes"])
    assert refused.exit_code != 0 and "Cannot read" in refused.output


def test_backup_refuses_to_overwrite_a_file(app, runner, tmp_path):
    path = tmp_path / "exists.backup"
    path.write_text("precious")
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code != 0 and "already exists" in result.output
    assert path.read_text() == "precious"


@pytest.fixture
def sqlite_only(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's own settings")


def test_sqlite_runs_with_wal_and_a_busy_timeout(sqlite_only):
    assert db.session.execute(db.text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(db.text("PRAGMA busy_timeout")).scalar() == 5000
    assert db.session.execute(db.text("PRAGMA foreign_keys")).scalar() == 1
