"""The production layout on one PostgreSQL database: two web processes (gunicorn) and two
schedulers at once. Patients check in on both web processes while both schedulers send the due
reminders: every reminder reaches the SMTP server exactly once and every check-in is stored once.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from recovery.extensions import db
from recovery.models import CheckIn, Reminder, utcnow
from tests.answers import checkin_answers

from .browserless import Session
from .conftest import TEST_PASSWORD

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PATIENTS = 12
ANSWERS = checkin_answers(form=True, minutes_upright=30)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _daytime_zone() -> str:
    """A zone where it is about noon now, so no reminder waits for the end of quiet hours."""
    offset = (12 - utcnow().hour + 12) % 24 - 12  # hours ahead of UTC, -12..11
    return f"Etc/GMT{'+' if offset <= 0 else '-'}{abs(offset)}"  # POSIX sign: GMT+5 is UTC-5


def _wait_for(predicate, what: str, seconds: float = 90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)  # polling real processes, not timing the app's logic
    raise AssertionError(f"timed out waiting for {what}")


def _up(port: int) -> bool:
    try:
        return Session(f"http://127.0.0.1:{port}").request("/login")[0] == 200
    except OSError:
        return False


def test_two_web_and_two_scheduler_processes_on_one_postgresql(app, make_patient, smtp_sink, tmp_path):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: the production layout's several processes share one server database")
    zone = _daytime_zone()
    performed = utcnow() - timedelta(hours=73)  # every 72-hour reminder fell due an hour ago
    patients = [make_patient(performed_at=performed, recorded_at=performed + timedelta(minutes=5), tz=zone)
                for _ in range(PATIENTS)]
    logins = [p.user.email for p in patients]
    db.session.remove()

    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "shape-test",
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(app.config["MAIL_PORT"]), "MAIL_TIMEOUT": "10",
           "RECOVERY_INSTANCE_PATH": str(tmp_path), "SCHEDULER_REQUIRED": "false", "RATELIMIT_ENABLED": "false"}
    ports = [_free_port(), _free_port()]
    processes = [
        subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--workers", "2",
                          "--bind", f"127.0.0.1:{port}", "recovery.wsgi:app"], env=env, cwd=REPO,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for port in ports
    ] + [
        subprocess.Popen([sys.executable, "-m", "flask", "--app", "recovery", "scheduler", "--interval", "1",
                          "--name", f"scheduler-{i}"], env=env, cwd=REPO,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for i in range(2)
    ]
    errors = []
    try:
        for port in ports:
            _wait_for(lambda port=port: _up(port), f"gunicorn on port {port}")

        def check_in(login: str, port: int):
            try:
                browser = Session(f"http://127.0.0.1:{port}")
                browser.login(login, TEST_PASSWORD)
                status, body = browser.request(
                    "/patient/checkin", {**ANSWERS, "csrf_token": browser.csrf("/patient/checkin")})
                assert status == 302, f"check-in answered {status}: {body[:200]}"
            except Exception as error:  # reported below
                errors.append(error)

        threads = [threading.Thread(target=check_in, args=(login, ports[i % 2])) for i, login in enumerate(logins)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert errors == []

        def all_due_sent():
            db.session.expire_all()
            left = db.session.scalar(select(func.count()).select_from(Reminder).where(
                Reminder.status.in_(("pending", "sending")), Reminder.due_at <= utcnow()))
            emails = db.session.scalar(select(func.count()).select_from(Reminder).where(
                Reminder.status == "sent", Reminder.channel == "email"))
            db.session.rollback()
            return left == 0 and emails > 0 and len(smtp_sink.messages) >= emails

        _wait_for(all_due_sent, "both schedulers to send every due reminder")
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        outputs = [process.communicate(timeout=60)[1] for process in processes]

    assert [p.returncode for p in processes] == [0, 0, 0, 0], outputs
    sent = db.session.scalars(select(Reminder).where(Reminder.status == "sent", Reminder.channel == "email")).all()
    ids = Counter(message["Message-ID"] for message in smtp_sink.messages)
    assert sent, "no e-mail went out"  # (a patient who checked in first is owed no 72-hour e-mail)
    assert len(smtp_sink.messages) == len(sent) == len(ids), "an e-mail was sent twice or lost"
    workers = {r.claimed_by for r in db.session.scalars(select(Reminder).where(Reminder.status == "sent"))}
    assert workers <= {"scheduler-0", "scheduler-1"}
    per_patient = Counter(db.session.scalars(select(CheckIn.patient_id)))
    assert sorted(per_patient.values()) == [1] * PATIENTS  # every check-in stored, once
