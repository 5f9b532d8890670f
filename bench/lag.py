"""Reminders on time (issue 16's restated target), at 10,000 patients with one scheduler:

- **lag**: p99 from a reminder's due time to its hand-over to the channel under 60 s. The
  scheduler's job (`jobs.dispatch_due`: plan every patient, then claim and deliver what is due)
  runs on a virtual clock in the steps recovery/scheduler.py gives it: every INTERVAL_SECONDS,
  one run at a time, and a run that overruns makes the fires it covers coalesce into the next
  one (APScheduler's `coalesce` and `max_instances=1`). Each step costs what it really costs:
  the virtual clock moves on by the step's real duration. The window covers the daily
  nudges' 18:00 burst of a `bench.generate` cohort (a year of procedures; 18:00 is everyone's
  reminder time, and 8 in 10 patients live in Chicago), e-mails going to the SMTP sink process.
  A reminder's hand-over is its step's virtual start plus the real seconds into the step at
  which the sink accepted its e-mail; for the in-app inbox and the staff's call list, which
  deliver inside the step's transactions, the step's end (an upper bound).
- **backlog**: 20,000 due e-mail reminders (10,000 patients each owed the 72-hour check and its
  repeat by e-mail, and both in the app: what a long outage leaves once past-day nudges are
  dropped) drained by one `flask send-due-reminders` process through the SMTP sink, exactly
  once, in under 2 minutes from the process's start (planning included).

Usage: python -m bench.lag [--db sqlite|postgresql] [--patients 10000] [--skip-backlog]
(postgresql needs TEST_DATABASE_URL: scripts/with-postgres.sh).
"""

import argparse
import math
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select

from recovery.extensions import db
from recovery.jobs import dispatch_due
from recovery.models import CheckIn, Reminder
from recovery.reminders.mail import message_id
from recovery.reminders.smtp import Mailer
from recovery.scheduler import INTERVAL_SECONDS

from . import generate, sweep
from .support import bench_app, fresh_database

# Just before 17:56 in Chicago (CST): the window runs to 18:08, past the burst in Chicago (New
# York's came an hour before, Denver's an hour after). The scheduler fires half a second before
# each half minute, the worst phase: what falls due at 18:00:00 waits 29.5 s for the next fire.
START = datetime(2026, 11, 20, 23, 55, 59, 500000, tzinfo=UTC)
WINDOW = timedelta(minutes=12)


class TimedMailer(Mailer):
    """The product's SMTP mailer, noting when the server accepted each Message-ID."""

    def __init__(self):
        super().__init__()
        self.accepted: dict[str, float] = {}

    def send(self, message) -> None:
        super().send(message)
        self.accepted[message["Message-ID"]] = time.perf_counter()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def lag(url: str, patients: int) -> dict:
    """Run the scheduler's steps over the window; the lag of every reminder due in it."""
    port = sweep.free_port()
    folder = tempfile.mkdtemp(prefix="recovery-bench-lag-")
    sink = sweep.start_sink(port, os.path.join(folder, "ids"))
    app = bench_app(url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    try:
        with app.app_context():
            generate.load(db.engine, generate.build(patients, START))
            # The generator writes each day's check-in at about 19:00 local, today's too: those
            # are still to come at 17:56, and the nudges they would answer are what is measured.
            db.session.execute(delete(CheckIn).where(CheckIn.created_at > START))
            db.session.commit()
            # The scheduler has been running all along: what was due before the window is sent.
            dispatch_due(START - timedelta(seconds=INTERVAL_SECONDS), "bench-lag", mailer=Mailer())
            db.session.remove()
            handed: dict[int, datetime] = {}  # reminder id -> virtual hand-over time
            steps: list[float] = []
            fire = START
            while fire < START + WINDOW:
                mailer = TimedMailer()
                began = time.perf_counter()
                dispatch_due(fire, "bench-lag", mailer=mailer)
                mailer.close()
                took = time.perf_counter() - began
                steps.append(took)
                # The run marks what it sent with its own clock: sent_at is this fire.
                for reminder in db.session.scalars(select(Reminder).where(Reminder.sent_at == fire)):
                    accepted = mailer.accepted.get(message_id(reminder.idempotency_key))
                    offset = (accepted - began) if accepted is not None else took
                    handed[reminder.id] = fire + timedelta(seconds=offset)
                db.session.remove()
                # The next fire the scheduler would start: the first 30 s mark after this run ends.
                finished = fire + timedelta(seconds=took)
                fire = START + timedelta(seconds=INTERVAL_SECONDS * math.ceil(
                    (finished - START).total_seconds() / INTERVAL_SECONDS))
            due = db.session.execute(select(Reminder.id, Reminder.due_at, Reminder.channel, Reminder.status)
                                     .where(Reminder.due_at >= START, Reminder.due_at < START + WINDOW,
                                            Reminder.status != "cancelled")).all()
            db.session.remove()
    finally:
        sweep.stop_sink(sink, os.path.join(folder, "ids"))
    lags = [(handed[r.id] - r.due_at).total_seconds() for r in due if r.id in handed]
    unsent = [r for r in due if r.id not in handed]
    channels = sorted({r.channel for r in due})
    return {"due": len(due), "sent": len(lags), "unsent": len(unsent),
            "unsent_status": sorted({r.status for r in unsent}),
            "p50": _percentile(lags, 0.5) if lags else None, "p99": _percentile(lags, 0.99) if lags else None,
            "max": max(lags) if lags else None, "channels": channels,
            "step_median": sorted(steps)[len(steps) // 2], "step_max": max(steps), "steps": len(steps)}


def backlog(url: str, patients: int) -> dict:
    """20,000 due e-mails (and as many in-app reminders) drained by one dispatcher process."""
    return sweep.through_smtp(bench_app(url), url, patients, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--skip-backlog", action="store_true")
    parser.add_argument("--skip-lag", action="store_true")
    args = parser.parse_args()
    load_before = os.getloadavg()
    if not args.skip_lag:
        with fresh_database(args.db) as url:
            result = lag(url, args.patients)
        print(f"{args.db}: lag over {result['steps']} scheduler steps (median {result['step_median']:.1f} s, "
              f"longest {result['step_max']:.1f} s): {result['due']:,} reminders due in the window "
              f"({', '.join(result['channels'])}), {result['sent']:,} handed over, {result['unsent']:,} not "
              f"{result['unsent_status']}; p50 {result['p50']:.1f} s, p99 {result['p99']:.1f} s, "
              f"max {result['max']:.1f} s (target p99 < 60 s)", flush=True)
    if not args.skip_backlog:
        with fresh_database(args.db) as url:
            result = backlog(url, args.patients)
        print(f"{args.db}: backlog of {result['emails']:,} e-mails drained by one dispatcher in "
              f"{result['seconds']:.1f} s with start-up and planning ({result['rate']:.0f} msg/s first to last); "
              f"exactly once {result['exactly_once']} (target < 120 s, exactly once)", flush=True)
    print(f"load (1, 5, 15 min) before {load_before}, after {os.getloadavg()}")


if __name__ == "__main__":
    main()
