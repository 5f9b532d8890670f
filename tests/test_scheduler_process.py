"""The scheduler runs as its own process: it starts, beats, stores the expected bands, and stops
cleanly on SIGTERM."""

import os
import signal
import subprocess
import sys
import time

from sqlalchemy import select

from recovery.extensions import db
from recovery.models import PROCEDURE_TYPES, ExpectedBand, SchedulerHeartbeat


def test_scheduler_cli_starts_writes_a_heartbeat_and_stops_cleanly(app, tmp_path):
    db.session.remove()
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "s",
           "RECOVERY_INSTANCE_PATH": str(tmp_path), "MAIL_PORT": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "recovery", "scheduler", "--name", "sched-test",
         "--interval", "1"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        beat = None
        while beat is None and time.monotonic() < deadline and proc.poll() is None:
            db.session.expire_all()
            beat = db.session.scalar(select(SchedulerHeartbeat).where(SchedulerHeartbeat.name == "sched-test"))
            time.sleep(0.2)  # waiting on a real process, not on the job's logic
        assert beat is not None, "no heartbeat from the scheduler process"
        stored = set()  # the band refresh runs at start-up too
        while stored != set(PROCEDURE_TYPES) and time.monotonic() < deadline and proc.poll() is None:
            db.session.expire_all()
            stored = set(db.session.scalars(select(ExpectedBand.procedure_type)))
            time.sleep(0.2)
        assert stored == set(PROCEDURE_TYPES), "the scheduler stored no expected bands"
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, output
    assert "Reminder scheduler started" in output and "Reminder scheduler stopped" in output
