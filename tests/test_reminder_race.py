"""Two dispatchers racing on one database (threads, then processes) send each reminder once."""

import os
import subprocess
import sys
import threading
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from recovery.extensions import db
from recovery.jobs import dispatch_due
from recovery.models import Reminder

from .conftest import NOW

PATIENTS = 12
AT = NOW + timedelta(hours=72)  # every patient's 72-hour reminders are due


def _cohort(make_patient):
    for _ in range(PATIENTS):
        make_patient(performed_at=NOW, recorded_at=NOW + timedelta(minutes=5))


def _assert_each_sent_once(sink):
    rows = list(db.session.scalars(select(Reminder).where(Reminder.status == "sent")))
    emails = [r for r in rows if r.channel == "email"]
    assert len(emails) >= PATIENTS  # at least the 72-hour e-mail of each patient
    ids = Counter(m["Message-ID"] for m in sink.messages)
    assert len(sink.messages) == len(emails), "an e-mail was sent twice or lost"
    assert max(ids.values()) == 1
    assert db.session.scalar(select(func.count()).select_from(Reminder).where(
        Reminder.status.in_(("pending", "sending")), Reminder.due_at <= AT)) == 0


def test_two_dispatcher_threads_send_each_reminder_exactly_once(app, make_patient, smtp_sink):
    _cohort(make_patient)
    barrier = threading.Barrier(2)
    errors = []

    def run(name):
        with app.app_context():
            try:
                barrier.wait()
                dispatch_due(AT, worker=name, batch=2)  # small batches: the claims interleave
            except Exception as error:  # reported below, so a crash fails the test
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(f"thread-{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    db.session.expire_all()
    _assert_each_sent_once(smtp_sink)


def test_two_dispatcher_processes_send_each_reminder_exactly_once(app, make_patient, smtp_sink, tmp_path):
    _cohort(make_patient)
    db.session.remove()
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "race",
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(app.config["MAIL_PORT"]),
           "RECOVERY_INSTANCE_PATH": str(tmp_path)}
    command = [sys.executable, "-m", "flask", "--app", "recovery", "send-due-reminders",
               "--now", AT.strftime("%Y-%m-%dT%H:%M:%S%z"), "--batch", "2"]
    procs = [subprocess.Popen([*command, "--name", f"proc-{i}"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    db.session.expire_all()
    _assert_each_sent_once(smtp_sink)
    # Both processes really took part or one found nothing left: either way no double sends.
    assert sum(int(out.split("sent ")[1].split(",")[0]) for out, _ in outputs) == db.session.scalar(
        select(func.count()).select_from(Reminder).where(Reminder.status == "sent"))
