"""Start-up refuses a database it cannot use in one clear line, and upgrades an old one in place."""

import os
import shutil
import socket
import subprocess
import sys
from datetime import datetime

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from .databases import fresh_database

FIRST_REVISION = "6dd30eaefb26"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(args, tmp_path, database_url, timeout=60):
    env = {**os.environ, "RECOVERY_INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "startup-test",
           "DATABASE_URL": database_url}
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout, cwd=REPO)


def _flask(tmp_path, database_url, *args):
    return _run([sys.executable, "-m", "flask", "--app", "recovery", *args], tmp_path, database_url)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


BAD_URLS = {
    "malformed": ("not a url", "DATABASE_URL is not a database URL"),
    "unknown driver": ("postgresql+nosuchdriver://u@127.0.0.1/x", "DATABASE_URL names an unknown database driver"),
    "unsupported database": ("mysql://u@127.0.0.1/x", "DATABASE_URL must be SQLite or PostgreSQL"),
    "unreachable": (f"postgresql+psycopg://u:hunter2@127.0.0.1:{_closed_port()}/x",
                    "DATABASE_URL: cannot connect to postgresql+psycopg://u:***@127.0.0.1"),
}


def _assert_one_clear_line(result, message):
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    assert "hunter2" not in result.stderr  # the password is never printed


@pytest.mark.no_test_database  # its own bad URL, whatever the pass
@pytest.mark.parametrize("case", BAD_URLS)
def test_flask_command_with_a_bad_database_url_stops_with_one_line(tmp_path, case):
    url, message = BAD_URLS[case]
    _assert_one_clear_line(_flask(tmp_path, url, "init-db"), message)


@pytest.mark.no_test_database  # its own bad URL, whatever the pass
def test_unreachable_sqlite_file_stops_with_one_line(tmp_path):
    url = f"sqlite:///{tmp_path}/no/such/folder/recovery.sqlite"
    _assert_one_clear_line(_flask(tmp_path, url, "scheduler"), "DATABASE_URL: cannot connect to sqlite")


@pytest.mark.no_test_database  # its own bad URL, whatever the pass
@pytest.mark.parametrize("case", ["malformed", "unreachable"])
def test_gunicorn_with_a_bad_database_url_stops_with_one_line(tmp_path, case):
    url, message = BAD_URLS[case]
    result = _run([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{_closed_port()}",
                   "recovery.wsgi:app"], tmp_path, url)
    _assert_one_clear_line(result, message)


def test_database_of_an_older_version_is_upgraded_with_its_data(tmp_path):
    with fresh_database(tmp_path) as url:
        assert _flask(tmp_path, url, "db", "upgrade", FIRST_REVISION).returncode == 0
        engine = create_engine(url)
        created = datetime(2026, 1, 5, 14, 0)
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO users (id, email, role, active, display_name, created_at) "
                "VALUES (1, 'ann@example.org', 'patient', true, 'Ann Old', :at)"), {"at": created})
            conn.execute(text(
                "INSERT INTO patients (id, user_id, record_number, date_of_birth, phone, preferred_language,"
                " timezone, discharged, demo, created_at) VALUES (1, 1, 'MRN-OLD', '1950-01-01', '555',"
                " 'en', 'America/Chicago', false, false, :at)"), {"at": created})

        result = _flask(tmp_path, url, "init-db")  # what `make run` and a deploy run at start-up
        assert result.returncode == 0, result.stderr

        with engine.connect() as conn:
            row = conn.execute(text(
                "SELECT u.display_name, p.record_number, p.email_reminders, p.reminder_time"
                " FROM patients p JOIN users u ON u.id = p.user_id")).one()
            heads = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        engine.dispose()
        assert row[:3] == ("Ann Old", "MRN-OLD", True)  # kept, and new columns got their defaults
        assert str(row[3]).startswith("18:00")
        assert heads == [ScriptDirectory(os.path.join(REPO, "recovery", "migrations")).get_current_head()]


def test_pool_settings_come_from_the_environment(tmp_path, monkeypatch):
    from recovery import create_app
    from recovery.config import ConfigError
    from recovery.extensions import db

    monkeypatch.setenv("RECOVERY_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DB_POOL_SIZE", "7")
    monkeypatch.setenv("DB_MAX_OVERFLOW", "3")
    url = f"postgresql+psycopg://u@127.0.0.1:{_closed_port()}/x"  # never connected to
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        pool = db.engine.pool
        assert (pool.size(), pool._max_overflow, pool._pre_ping) == (7, 3, True)
    monkeypatch.setenv("DB_POOL_SIZE", "many")
    with pytest.raises(ConfigError, match="DB_POOL_SIZE must be a whole number"):
        create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url})


def _read_only_runner(folder):
    """A command prefix that runs a command with `folder` read-only, as root or not.

    A read-only bind mount in a private mount namespace (unshare, no privilege needed where user
    namespaces are allowed); else chmod for a non-root user, or chattr +i for root (root ignores
    file modes). Returns (prefix, undo)."""
    script = 'mount -o bind,ro "$0" "$0" && exec "$@"'
    unshare, sh, chattr = shutil.which("unshare"), shutil.which("sh"), shutil.which("chattr")
    if unshare and sh:
        in_namespace = [unshare, "-rm", sh, "-c", script, str(folder)]
        probe = subprocess.run([*in_namespace, sh, "-c", f"! touch {folder}/probe 2>/dev/null"],
                               capture_output=True)
        if probe.returncode == 0:
            return in_namespace, lambda: None
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return [], lambda: folder.chmod(0o755)
    if chattr and subprocess.run([chattr, "+i", str(folder)], capture_output=True).returncode == 0:
        return [], lambda: subprocess.run([chattr, "-i", str(folder)], check=True)
    pytest.fail("cannot make a read-only folder here: needs unshare (user namespaces) or chattr")


READ_ONLY_STARTS = {
    "flask init-db": [sys.executable, "-m", "flask", "--app", "recovery", "init-db"],
    "flask scheduler": [sys.executable, "-m", "flask", "--app", "recovery", "scheduler"],
    "flask run": [sys.executable, "-m", "flask", "--app", "recovery", "run", "--port", str(_closed_port())],
    "gunicorn": [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind",
                 f"127.0.0.1:{_closed_port()}", "recovery.wsgi:app"],
}


@pytest.mark.no_test_database  # the default SQLite file in the instance folder, whatever the pass
@pytest.mark.parametrize("start", READ_ONLY_STARTS)
@pytest.mark.parametrize("missing", [False, True], ids=["existing folder", "folder to create"])
def test_a_read_only_instance_folder_stops_start_up_with_one_line(tmp_path, start, missing):
    instance = tmp_path / "instance"
    instance.mkdir()
    folder = instance / "new" if missing else instance
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(RECOVERY_INSTANCE_PATH=str(folder), SECRET_KEY="startup-test")
    prefix, undo = _read_only_runner(instance)
    try:
        result = subprocess.run([*prefix, *READ_ONLY_STARTS[start]], env=env, capture_output=True,
                                text=True, timeout=60, cwd=REPO)
    finally:
        undo()
    _assert_one_clear_line(result, f"Recovery cannot start: instance folder {folder} ")
    assert "the SQLite database needs a writable folder; set DATABASE_URL or fix permissions" in result.stderr
    assert not (folder / "recovery.sqlite").exists()


@pytest.mark.parametrize("value", ["", "6-2", "two-six", "2", "2-6-8", "2.5-6"])
def test_a_bad_follow_up_window_is_refused_at_start_up(tmp_path, monkeypatch, value):
    from recovery import create_app
    from recovery.config import ConfigError

    monkeypatch.setenv("RECOVERY_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("FOLLOW_UP_WINDOW_WEEKS", value)
    with pytest.raises(ConfigError, match="FOLLOW_UP_WINDOW_WEEKS must be two whole numbers of weeks"):
        create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})
    monkeypatch.setenv("FOLLOW_UP_WINDOW_WEEKS", " 3 - 8 ")
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})
    assert app.config["FOLLOW_UP_WINDOW"] == (3, 8)


@pytest.mark.no_test_database  # its own SQLite file, whatever the pass
def test_flask_command_with_a_bad_follow_up_window_stops_with_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("FOLLOW_UP_WINDOW_WEEKS", "six")
    result = _flask(tmp_path, f"sqlite:///{tmp_path}/x.sqlite", "init-db")
    _assert_one_clear_line(result, "FOLLOW_UP_WINDOW_WEEKS must be two whole numbers of weeks")


CLINIC_CALENDAR_SETTINGS = {
    "CLINIC_HOURS": ["Mon-Fri 17:00-08:00", "Mon 08:00-12:00,11:00-13:00", "weekdays 9-5", ""],
    "CLINIC_CLOSED": ["2026-12-32", "25 Dec 2026", "2026-12-25;2027-01-01"],
    "VISIT_MINUTES": ["0", "half an hour", "1000"],
}


@pytest.mark.parametrize("key, value", [(key, value) for key, values in CLINIC_CALENDAR_SETTINGS.items()
                                        for value in values])
def test_bad_clinic_hours_or_closed_dates_are_refused_at_start_up_naming_the_setting(tmp_path, monkeypatch,
                                                                                    key, value):
    from recovery import create_app
    from recovery.config import ConfigError

    monkeypatch.setenv("RECOVERY_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match=f"^{key} must be ") as caught:
        create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})
    assert repr(value) in str(caught.value) and "\n" not in str(caught.value)


def test_good_clinic_hours_are_read_at_start_up(tmp_path, monkeypatch):
    from recovery import create_app

    monkeypatch.setenv("RECOVERY_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("CLINIC_HOURS", "Mon-Fri 08:00-12:00,13:00-17:00; Sat 09:00-12:00")
    monkeypatch.setenv("CLINIC_CLOSED", "")
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})
    assert app.config["CLINIC_WEEK"][5] == [(540, 720)] and app.config["CLINIC_CLOSED_DATES"] == []


@pytest.mark.no_test_database  # its own SQLite file, whatever the pass
@pytest.mark.parametrize("key, value", [("CLINIC_HOURS", "Mon-Fri 9-5"), ("CLINIC_CLOSED", "Christmas")])
def test_flask_command_with_bad_clinic_hours_stops_with_one_line(tmp_path, monkeypatch, key, value):
    monkeypatch.setenv(key, value)
    result = _flask(tmp_path, f"sqlite:///{tmp_path}/x.sqlite", "init-db")
    _assert_one_clear_line(result, f"Recovery cannot start: {key} must be ")


@pytest.mark.no_test_database  # its own SQLite file, whatever the pass
@pytest.mark.parametrize("key, value, message", [
    ("OUTCOME_INSTRUMENTS", "month1=rmdq,odi", "OUTCOME_INSTRUMENTS names instrument 'odi' at month1"),
    ("OUTCOME_WINDOWS", "month1=30+7", "OUTCOME_WINDOWS: month1 must be"),
])
def test_flask_command_with_a_bad_outcome_schedule_stops_with_one_line(tmp_path, monkeypatch, key, value,
                                                                       message):
    monkeypatch.setenv(key, value)  # the ODI is not defined: Recovery ships its scoring, not its text
    result = _flask(tmp_path, f"sqlite:///{tmp_path}/x.sqlite", "init-db")
    _assert_one_clear_line(result, f"Recovery cannot start: {message}")
