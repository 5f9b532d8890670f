"""Operational commands: the database set-up `make run` does, create-user, and config errors."""

import os
import sqlite3
import subprocess
import sys

import pytest
from sqlalchemy import select

from recovery import create_app
from recovery.config import ConfigError
from recovery.extensions import db
from recovery.models import User

from .conftest import TEST_PASSWORD


def _flask(instance, *args):
    env = {**os.environ, "RECOVERY_INSTANCE_PATH": str(instance), "SECRET_KEY": "cli-test"}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "recovery", *args],
        env=env, capture_output=True, text=True, timeout=120,
    )


@pytest.mark.no_test_database  # the instance folder's own SQLite file, whatever the pass
def test_make_run_database_setup_on_an_empty_instance_folder(tmp_path):
    instance = tmp_path / "instance"
    result = _flask(instance, "init-db")
    assert result.returncode == 0, result.stderr
    database = instance / "recovery.sqlite"
    assert database.exists()
    tables = {r[0] for r in sqlite3.connect(database).execute("SELECT name FROM sqlite_master")}
    assert {"users", "patients", "procedures", "checkins", "appointments", "alerts"} <= tables
    seeded = _flask(instance, "seed-demo", "--if-empty")
    assert seeded.returncode == 0, seeded.stderr
    count = "SELECT count(*) FROM patients"
    patients = sqlite3.connect(database).execute(count).fetchone()[0]
    assert patients >= 40
    # Running the set-up again (every `make run` does) changes nothing.
    assert _flask(instance, "init-db").returncode == 0
    assert _flask(instance, "seed-demo", "--if-empty").returncode == 0
    assert sqlite3.connect(database).execute(count).fetchone()[0] == patients


def test_create_user_makes_a_clinician_who_can_log_in(runner, client):
    result = runner.invoke(args=["create-user", "--email", "Dr.Who@Example.org", "--role", "clinician",
                                 "--name", "Dr Who", "--password", TEST_PASSWORD])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "dr.who@example.org"))
    assert user.role == "clinician"


@pytest.mark.parametrize("args, message", [
    (["--email", "not-an-email", "--role", "staff", "--name", "X", "--password", TEST_PASSWORD],
     "valid e-mail"),
    (["--email", "a@example.org", "--role", "staff", "--name", "X", "--password", "short"],
     "at least 10 characters"),
    (["--email", "a@example.org", "--role", "admin", "--name", "X", "--password", TEST_PASSWORD],
     "admin"),
])
def test_create_user_rejects_bad_input_and_writes_nothing(runner, args, message):
    result = runner.invoke(args=["create-user", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(select(db.func.count()).select_from(User)) == 0


def test_missing_secret_key_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("RECOVERY_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


@pytest.mark.parametrize("zone", ["Mars/Olympus", "x" * 5000], ids=["unknown", "too-long-for-a-file-name"])
def test_unknown_clinic_timezone_is_a_clear_error(tmp_path, monkeypatch, zone):
    monkeypatch.setenv("RECOVERY_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(ConfigError, match="CLINIC_TIMEZONE"):
        create_app({"SECRET_KEY": "x", "CLINIC_TIMEZONE": zone})


@pytest.mark.no_test_database  # the sinks never open the database
@pytest.mark.parametrize(("command", "banner"), [("smtp-sink", "SMTP sink on 127.0.0.1"),
                                                 ("sms-sink", "SMS sink on 127.0.0.1")])
def test_the_local_sinks_start_and_stop_cleanly_on_sigterm(tmp_path, command, banner):
    """`make run` starts the sinks and stops them with SIGTERM: they say where they listen, then
    leave with status 0 and no traceback."""
    import signal
    import socket
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "RECOVERY_INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "sink-test",
           "DATABASE_URL": f"sqlite:///{tmp_path}/unused.sqlite", "TWILIO_ACCOUNT_SID": "ACsinktest",
           "TWILIO_AUTH_TOKEN": "sink-test"}
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "recovery", command, "--port", str(port)],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        first = process.stdout.readline()
        assert banner in first and str(port) in first, first
        with socket.create_connection(("127.0.0.1", port), timeout=10):
            pass  # it listens
    finally:
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=30)
    assert process.returncode == 0, rest
    assert "Traceback" not in rest
