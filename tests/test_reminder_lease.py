"""Schedulers racing over a slow mail server: a run lasting many leases sends each e-mail once.

Everything is a real process: a slow SMTP sink (`smtp-sink --delay`) and two, then three,
`flask scheduler` processes on one database, with a lease of 4 s while each message takes 1 s,
so a run holds its claim for three leases. Each send starts with at least half the lease left
(2 s for a 1 s hand-over); a 2 s lease left 1 s, which a machine at load 14 on 2 cores overran
once (a worker starved past its lease between its check and the server's answer, the window
delivery.py documents). Before leases were measured on the clock and renewed,
the other schedulers took the rows still waiting as abandoned and sent them again.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default

import pytest
from sqlalchemy import func, select

from recovery.extensions import db
from recovery.models import Reminder, SetPasswordToken
from recovery.reminders.outbox import enqueue_invite
from recovery.services.accounts import token_user

INVITATIONS = 12
LEASE_SECONDS = 4
DELAY_SECONDS = 1  # a run of 12 messages lasts 12 s: three leases
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _afternoon_zone(now: datetime) -> str:
    """A fixed-offset zone where it is 14:00 now, so quiet hours never hold the invitations."""
    offset = 14 - now.hour  # from -9 to +14 hours
    return f"Etc/GMT{-offset:+d}" if offset else "UTC"  # Etc/GMT-2 is UTC+2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until(check, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)  # polling real processes, not timing them


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def _stop(proc: subprocess.Popen, log) -> str:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=90)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.seek(0)
    return log.read()


def _invitations(make_patient) -> dict[str, int]:
    """INVITATIONS patients without a password, each with an invitation due now; user ids by address."""
    real_now = datetime.now(UTC)
    zone = _afternoon_zone(real_now)
    users = {}
    for _ in range(INVITATIONS):
        patient = make_patient(procedure=False, tz=zone)
        patient.user.password_hash = None
        enqueue_invite(patient, real_now - timedelta(minutes=1))
        users[patient.user.email] = patient.user_id
    db.session.commit()
    return users


def _status_counts() -> dict[str, int]:
    db.session.expire_all()
    return dict(db.session.execute(select(Reminder.status, func.count()).group_by(Reminder.status)).all())


@pytest.mark.parametrize("schedulers", [2, 3])
def test_schedulers_over_a_slow_smtp_server_send_each_invitation_once(app, make_patient, tmp_path, schedulers):
    users = _invitations(make_patient)
    db.session.remove()
    port, maildir = _free_port(), tmp_path / "mail"
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "lease",
           "RECOVERY_INSTANCE_PATH": str(tmp_path), "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port),
           "REMINDER_LEASE_SECONDS": str(LEASE_SECONDS), "BASE_URL": "http://localhost"}
    flask = [sys.executable, "-m", "flask", "--app", "recovery"]
    logs = [open(tmp_path / f"log-{i}.txt", "w+") for i in range(schedulers + 1)]  # noqa: SIM115
    sink = subprocess.Popen([*flask, "smtp-sink", "--port", str(port), "--maildir", str(maildir),
                             "--delay", str(DELAY_SECONDS)], env=env, cwd=REPO, stdout=logs[0],
                            stderr=subprocess.STDOUT)
    procs = []
    try:
        _wait_until(lambda: _listening(port) or sink.poll() is not None, 60, "the SMTP sink")
        assert sink.poll() is None, "the SMTP sink did not start"
        procs = [subprocess.Popen([*flask, "scheduler", "--name", f"sched-{i}", "--interval", "1"], env=env,
                                  cwd=REPO, stdout=logs[i + 1], stderr=subprocess.STDOUT)
                 for i in range(schedulers)]
        _wait_until(lambda: _status_counts().get("sent", 0) == INVITATIONS, 180, "every invitation sent")
    finally:
        outputs = [_stop(p, log) for p, log in zip(procs, logs[1:], strict=False)]  # lets runs in flight end
        outputs.append(_stop(sink, logs[0]))
        for log in logs:
            log.close()

    assert _status_counts() == {"sent": INVITATIONS}, outputs
    messages = [message_from_bytes(path.read_bytes(), policy=default) for path in sorted(maildir.iterdir())]
    per_id = Counter(m["Message-ID"] for m in messages)
    duplicates = len(messages) - len(per_id)
    assert duplicates == 0, f"{len(messages)} e-mails for {INVITATIONS} invitations ({duplicates} sent twice)"
    assert sorted(m["To"] for m in messages) == sorted(users)

    # Each invitation leaves exactly one working set-password link: the one its e-mail carries.
    real_now = datetime.now(UTC)
    for message in messages:
        body = message.get_body(("plain",)).get_content()
        token = re.search(r"/set-password/([A-Za-z0-9_-]+)", body).group(1)
        user = token_user(token, real_now)
        assert user is not None and user.id == users[message["To"]]
    working = Counter(db.session.scalars(select(SetPasswordToken.user_id).where(
        SetPasswordToken.used_at.is_(None), SetPasswordToken.expires_at > real_now)))
    assert working == Counter(users.values())


class _StallingMailer:
    """Stalls past its lease on the first e-mail while another worker takes the batch over."""

    def __init__(self, on_first):
        self.sent, self.on_first = [], on_first

    def send(self, message):
        if not self.sent:
            self.on_first()
        self.sent.append(message["Message-ID"])

    def close(self):
        pass


def test_a_worker_that_lost_its_lease_skips_the_rows_another_worker_took(app, make_patient, monkeypatch):
    from recovery.jobs import plan_all
    from recovery.reminders import delivery
    from recovery.reminders.dispatch import claim, deliver_due

    from .conftest import NOW

    at = NOW + timedelta(hours=72)  # 09:00 in Chicago: each patient's 72-hour e-mail is due
    for _ in range(3):
        make_patient(performed_at=NOW, recorded_at=NOW + timedelta(minutes=5))
    plan_all(at)
    taken = []

    def stall_and_be_overtaken():
        lease = db.session.scalar(select(func.max(Reminder.lease_until)))
        monkeypatch.setattr(delivery, "lease_clock", lambda: lease + timedelta(seconds=1))
        taken.extend(claim(at, "other", 100))  # the row in flight and the two still waiting

    mailer = _StallingMailer(stall_and_be_overtaken)
    report = deliver_due(at, "stalled", mailer=mailer)
    assert len(mailer.sent) == 1  # the one already handed over; the other two are left to "other"
    assert len(report.lost) == 2 and set(report.lost) < set(taken)
    db.session.expire_all()
    rows = db.session.scalars(select(Reminder).where(Reminder.id.in_(taken))).all()
    assert {(r.status, r.claimed_by) for r in rows} == {("sending", "other")}  # none marked by "stalled"


def test_a_worker_that_lost_its_lease_sends_none_of_the_password_resets_another_worker_took(
        app, make_user, monkeypatch):
    from recovery.reminders import delivery
    from recovery.reminders.dispatch import claim, deliver_due
    from recovery.services import accounts

    from .conftest import NOW

    for _ in range(3):
        accounts.request_password_reset(make_user("staff").email, NOW)
    db.session.commit()
    taken = []

    def stall_and_be_overtaken():
        lease = db.session.scalar(select(func.max(Reminder.lease_until)))
        monkeypatch.setattr(delivery, "lease_clock", lambda: lease + timedelta(seconds=1))
        taken.extend(claim(NOW, "other", 100))  # the reset in flight and the two still waiting

    mailer = _StallingMailer(stall_and_be_overtaken)
    report = deliver_due(NOW, "stalled", mailer=mailer)
    assert len(mailer.sent) == 1  # the one already handed over; the other two are left to "other"
    assert len(report.lost) == 2 and set(report.lost) < set(taken)
    db.session.expire_all()
    rows = db.session.scalars(select(Reminder).where(Reminder.id.in_(taken))).all()
    assert {(r.kind, r.status, r.claimed_by) for r in rows} == {("password_reset", "sending", "other")}


@pytest.mark.parametrize("value", ["0", "-5", "2.5", "soon", ""])
def test_a_bad_lease_length_is_refused_at_start_up(tmp_path, monkeypatch, value):
    from recovery import create_app
    from recovery.config import ConfigError

    monkeypatch.setenv("RECOVERY_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("REMINDER_LEASE_SECONDS", value)
    with pytest.raises(ConfigError, match="REMINDER_LEASE_SECONDS must be a whole number of seconds above 0"):
        create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})
    monkeypatch.setenv("REMINDER_LEASE_SECONDS", " 45 ")
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})
    assert app.config["REMINDER_LEASE_SECONDS"] == 45


def test_the_scheduler_with_a_bad_lease_length_stops_with_one_line(tmp_path):
    env = {**os.environ, "RECOVERY_INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
           "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite", "REMINDER_LEASE_SECONDS": "0"}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "recovery", "scheduler"], env=env, cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "REMINDER_LEASE_SECONDS must be a whole number" in lines[0], result.stderr
