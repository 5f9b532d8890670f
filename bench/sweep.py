"""The reminder sweep at scale: materialise, claim and deliver every due reminder exactly once.

The scenario: every patient is 3.5 days past the procedure without their 72-hour check-in, so
each is owed four reminders that are due now (the 72-hour check and its repeat, by e-mail and
in the app): 25,000 patients give 100,000 due reminders (and the rules plan 375,000 more for
the coming week: escalations and nudges). "Materialised" is the real sweep (plan_all),
"delivered" the real dispatcher (deliver_due): claim, re-check, compose the e-mail, hand it
over, to an in-memory channel inside the database transaction or to aiosmtpd over SMTP.
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, func, select
from werkzeug.security import generate_password_hash

from recovery.extensions import db
from recovery.jobs import plan_all
from recovery.models import Reminder
from recovery.reminders import channels
from recovery.reminders.channels import email
from recovery.reminders.dispatch import deliver_due

from .generate import PASSWORD, load

NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)  # noon in Chicago: nothing held for quiet hours
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def overdue_cohort(patients: int) -> dict[str, list[tuple]]:
    """Patients 3 days 13 hours after their procedure who have not checked in."""
    hashed = generate_password_hash(PASSWORD)
    stamp = NOW.replace(tzinfo=None)
    performed = stamp - timedelta(days=3, hours=13)
    rows = {"users": [], "patients": [], "procedures": [], "appointments": [], "checkins": [],
            "procedure_buckets": []}  # no check-ins yet: nothing in the cohort summary
    for i in range(1, patients + 1):
        rows["users"].append((i, f"overdue{i}@bench.local", hashed, "patient", True, f"Patient {i}", stamp))
        rows["patients"].append((i, i, f"S{i:07d}", datetime(1950, 1, 1).date(), "219-555-0100", "en",
                                 "America/Chicago", None, False, True, datetime(2000, 1, 1, 18).time(), False,
                                 stamp))
        rows["procedures"].append((i, i, "kyphoplasty", performed, "L1", "osteoporosis", "local", "outpatient",
                                   False, 8, performed + timedelta(hours=1)))
        rows["appointments"].append((i, i, i, "check_72h", performed + timedelta(hours=72), "scheduled", 1,
                                     performed))
    return rows


class MemoryChannel:
    """The e-mail channel delivered in memory, standing for a channel inside the database (like
    the in-app inbox or a mail spool table): registered in place of `email`, it is local, so
    delivery is part of the dispatcher's transaction and a message counts as delivered when that
    transaction commits (dropped if it rolls back). The e-mails are built as for SMTP."""

    name, label, patient_facing, local = email.name, email.label, True, True
    reachable, prepare = staticmethod(email.reachable), staticmethod(email.prepare)

    def __init__(self):
        self.received: list[str] = []
        self._staged: list[str] = []
        session = db.session()
        event.listen(session, "after_commit", self._publish)
        event.listen(session, "after_rollback", self._staged.clear)

    def hand_over(self, run, message) -> None:
        self._staged.append(message["Message-ID"])

    def _publish(self, _session) -> None:
        self.received += self._staged
        self._staged.clear()


def _sent_emails() -> int:
    return db.session.scalar(select(func.count()).select_from(Reminder).where(
        Reminder.status == "sent", Reminder.channel == "email"))


def _left_due() -> int:
    return db.session.scalar(select(func.count()).select_from(Reminder).where(
        Reminder.status.in_(("pending", "sending")), Reminder.due_at <= NOW))


def in_memory(app, patients: int) -> dict:
    """Plan and deliver everything due in this process, e-mails to the in-memory channel."""
    with app.app_context():
        load(db.engine, overdue_cohort(patients))
        start = time.perf_counter()
        plan_all(NOW)
        planned = time.perf_counter() - start
        due = db.session.scalar(select(func.count()).select_from(Reminder).where(Reminder.due_at <= NOW))
        channel = MemoryChannel()
        channels.register(channel)
        start = time.perf_counter()
        try:
            report = deliver_due(NOW, "bench")  # dispatch_due after the plan_all above
        finally:
            channels.register(email)
        delivered = time.perf_counter() - start
        ids = Counter(channel.received)
        exactly_once = (len(ids) == len(channel.received) == _sent_emails()) and _left_due() == 0
        db.session.remove()
    return {"due": due, "sent": len(report.sent), "plan_s": planned, "deliver_s": delivered,
            "total_s": planned + delivered, "exactly_once": exactly_once}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_sink(port: int, ids_file: str) -> subprocess.Popen:
    sink = subprocess.Popen([sys.executable, "-m", "bench.smtp_sink", str(port), ids_file], cwd=REPO,
                            stdout=subprocess.PIPE, text=True)
    assert sink.stdout.readline().strip() == "ready"
    return sink


def stop_sink(sink: subprocess.Popen, ids_file: str) -> tuple[list[bytes], float]:
    """Stop the sink; the Message-IDs it received and its rate from the first to the last."""
    sink.send_signal(signal.SIGTERM)
    sink.wait(60)
    with open(ids_file, "rb") as f:
        first_line, *lines = f.read().split(b"\n")
    first, last = map(float, first_line.split())
    received = [line for line in lines if line]
    return received, (len(received) / (last - first) if last > first else 0.0)


def bare_client(count: int) -> float:
    """The rate (messages a second) a bare smtplib client reaches against the same sink: `count`
    small ready-made messages over one connection, no database and no templates. The restated
    target (issue 16): the dispatcher's e-mail rate at 70% of this or more, in the same run."""
    import smtplib

    port, folder = free_port(), tempfile.mkdtemp(prefix="recovery-bench-bare-")
    ids_file = os.path.join(folder, "ids")
    sink = start_sink(port, ids_file)
    body = "Subject: Time for today's check-in\r\nFrom: clinic@bench.local\r\nTo: {to}\r\n" \
           "Message-ID: <{n}@bench.local>\r\n\r\n" + "A reminder of typical length.\r\n" * 20
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        for n in range(count):
            to = f"patient{n}@bench.local"
            smtp.sendmail("clinic@bench.local", [to], body.format(to=to, n=n).encode())
    received, rate = stop_sink(sink, ids_file)
    assert len(received) == count
    return rate


def through_smtp(app, url: str, patients: int, dispatchers: int) -> dict:
    """Plan, then deliver with `dispatchers` processes through a real aiosmtpd server process."""
    with app.app_context():
        load(db.engine, overdue_cohort(patients))
        plan_all(NOW)
        db.session.remove()
    port = free_port()
    folder = tempfile.mkdtemp(prefix="recovery-bench-smtp-")
    ids_file = os.path.join(folder, "ids")
    sink = start_sink(port, ids_file)
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "MAIL_SERVER": "127.0.0.1",
           "MAIL_PORT": str(port), "RECOVERY_INSTANCE_PATH": folder}
    command = [sys.executable, "-m", "flask", "--app", "recovery", "send-due-reminders",
               "--now", NOW.strftime("%Y-%m-%dT%H:%M:%S%z")]
    start = time.perf_counter()
    procs = [subprocess.Popen([*command, "--name", f"bench-{i}"], env=env, cwd=REPO, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in range(dispatchers)]
    outputs = [p.communicate() for p in procs]
    elapsed = time.perf_counter() - start
    received, steady = stop_sink(sink, ids_file)
    with app.app_context():
        emails = _sent_emails()
        exactly_once = len(set(received)) == len(received) == emails and _left_due() == 0
        db.session.remove()
    assert all(p.returncode == 0 for p in procs), outputs
    per_process = [int(out.split("sent ")[1].split(",")[0]) for out, _ in outputs]
    # The rate counts from the first message to the last: process start-up and planning excluded.
    return {"emails": len(received), "seconds": elapsed, "rate": steady, "wall_rate": len(received) / elapsed,
            "exactly_once": exactly_once, "per_process": per_process}


def main() -> None:
    """The in-memory sweep alone: python -m bench.sweep [--due 100000] [--db sqlite] [--profile FILE]."""
    import argparse
    import cProfile

    from .support import bench_app, fresh_database

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--due", type=int, default=100_000, help="due reminders (4 per patient)")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite",
                        help="postgresql needs TEST_DATABASE_URL (scripts/with-postgres.sh)")
    parser.add_argument("--profile", help="write a cProfile of the plan and delivery here")
    args = parser.parse_args()
    with fresh_database(args.db) as url:
        app = bench_app(url)
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        result = in_memory(app, args.due // 4)
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
    print(f"{args.db}: {result['due']:,} due, {result['sent']:,} sent: {result['total_s']:.1f} s "
          f"(plan {result['plan_s']:.1f} + send {result['deliver_s']:.1f}); exactly once "
          f"{result['exactly_once']}; load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
