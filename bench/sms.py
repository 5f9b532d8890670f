"""Texts through the SMS sink (`flask sms-sink`, a real HTTP server process) with two dispatcher
processes: the rate from the first text the sink received to the last, and each exactly once.

The cohort is sweep.overdue_cohort's (every patient owed the 72-hour check-in and its repeat,
due now), each patient with a mobile number, consent and texts chosen and e-mail off: every
due reminder is a text or an in-app message.

    python -m bench.sms [--patients 1000] [--dispatchers 2] [--db sqlite|postgresql]
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime

from sqlalchemy import func, select, update

from recovery.extensions import db
from recovery.jobs import plan_all
from recovery.models import Patient, Reminder

from .generate import load
from .sweep import NOW, REPO, free_port, overdue_cohort

TWILIO = {"TWILIO_ACCOUNT_SID": "ACbench00000000000000000000000000", "TWILIO_AUTH_TOKEN": "bench-token",
          "TWILIO_FROM": "+12195550100"}


def _texting(patients: int) -> None:
    db.session.execute(update(Patient), [
        {"id": i, "mobile": f"+1219{i:07d}", "sms_consent_at": NOW, "sms_consent_method": "verbal",
         "sms_reminders": True, "email_reminders": False} for i in range(1, patients + 1)])
    db.session.commit()


def _listening(port: int) -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def through_sms(app, url: str, patients: int, dispatchers: int = 2) -> dict:
    """Plan, then deliver with `dispatchers` processes through the SMS sink process."""
    port = free_port()
    folder = tempfile.mkdtemp(prefix="recovery-bench-sms-")
    app.config.update(TWILIO, TWILIO_API_BASE=f"http://127.0.0.1:{port}")
    with app.app_context():
        load(db.engine, overdue_cohort(patients))
        _texting(patients)
        plan_all(NOW)
        db.session.remove()
    env = {**os.environ, **TWILIO, "TWILIO_API_BASE": f"http://127.0.0.1:{port}", "DATABASE_URL": url,
           "SECRET_KEY": "bench", "RECOVERY_INSTANCE_PATH": folder, "BASE_URL": "https://recovery.clinic.example"}
    flask = [sys.executable, "-m", "flask", "--app", "recovery"]
    sink = subprocess.Popen([*flask, "sms-sink", "--port", str(port), "--folder", os.path.join(folder, "sms"),
                             "--no-callbacks"], env=env, cwd=REPO, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not _listening(port):
            assert sink.poll() is None and time.monotonic() < deadline, "the SMS sink did not start"
            time.sleep(0.2)
        command = [*flask, "send-due-reminders", "--now", NOW.strftime("%Y-%m-%dT%H:%M:%S%z")]
        start = time.perf_counter()
        procs = [subprocess.Popen([*command, "--name", f"bench-{i}"], env=env, cwd=REPO, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for i in range(dispatchers)]
        outputs = [p.communicate() for p in procs]
        elapsed = time.perf_counter() - start
    finally:
        sink.terminate()
        sink.wait(60)
    assert all(p.returncode == 0 for p in procs), outputs
    texts = []
    for name in os.listdir(os.path.join(folder, "sms")):
        with open(os.path.join(folder, "sms", name), encoding="utf-8") as f:
            texts.append(json.load(f))
    per_reminder = Counter(t["status_callback"].rsplit("=", 1)[1] for t in texts)
    times = sorted(datetime.fromisoformat(t["at"]).timestamp() for t in texts)
    with app.app_context():
        sent = db.session.scalar(select(func.count()).select_from(Reminder).where(
            Reminder.status == "sent", Reminder.channel == "sms"))
        left = db.session.scalar(select(func.count()).select_from(Reminder).where(
            Reminder.status.in_(("pending", "sending")), Reminder.due_at <= NOW))
        db.session.remove()
    exactly_once = len(texts) == len(per_reminder) == sent and left == 0
    steady = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else 0.0
    per_process = [int(out.split("sent ")[1].split(",")[0]) for out, _ in outputs]
    return {"texts": len(texts), "seconds": elapsed, "rate": steady, "wall_rate": len(texts) / elapsed,
            "exactly_once": exactly_once, "per_process": per_process}


def main() -> None:
    import argparse

    from .support import bench_app, fresh_database

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1000, help="patients (two texts due each)")
    parser.add_argument("--dispatchers", type=int, default=2)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite",
                        help="postgresql needs TEST_DATABASE_URL (scripts/with-postgres.sh)")
    args = parser.parse_args()
    with fresh_database(args.db) as url:
        result = through_sms(bench_app(url), url, args.patients, args.dispatchers)
    print(f"{args.db}: {result['texts']:,} texts with {args.dispatchers} dispatchers in {result['seconds']:.1f} s: "
          f"{result['rate']:.0f} msg/s first to last ({result['wall_rate']:.0f} msg/s with start-up), per process "
          f"{result['per_process']}; exactly once {result['exactly_once']}; load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
