"""The scheduler process: APScheduler runs one sweep job; all reminder state lives in the outbox.

APScheduler 3 cannot share a job store between processes, so each scheduler keeps its one
job in memory; the outbox's atomic claims make two of them safe together.
"""

import logging
import signal

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from .jobs import dispatch_due
from .models import utcnow
from .reminders.dispatch import beat, default_worker

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 30


def run_once(app: Flask, worker: str) -> None:
    """One sweep: heartbeat, then plan and send what is due (errors are logged, never fatal)."""
    with app.app_context():
        now = utcnow()
        try:
            beat(worker, now)
            report = dispatch_due(now, worker)
            if report.sent or report.failed:
                log.info("sent %d, failed %d", len(report.sent), len(report.failed))
        except Exception:  # the next interval tries again; the outbox loses nothing
            log.exception("reminder sweep failed")
            from .extensions import db

            db.session.rollback()


def build(app: Flask, worker: str | None = None, interval: int = INTERVAL_SECONDS) -> BlockingScheduler:
    """A BlockingScheduler with the sweep job: coalesced, one at a time, generous misfire grace."""
    worker = worker or default_worker()
    scheduler = BlockingScheduler(timezone="UTC")
    scheduler.add_job(
        run_once, "interval", seconds=interval, args=(app, worker), id="sweep",
        coalesce=True, max_instances=1, misfire_grace_time=300, next_run_time=utcnow(),
    )
    return scheduler


def run(app: Flask, worker: str | None = None, interval: int = INTERVAL_SECONDS) -> None:
    """Run until SIGTERM or SIGINT, then stop cleanly."""
    scheduler = build(app, worker, interval)

    def stop(signum, frame):
        log.info("scheduler stopping (signal %s)", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("scheduler %s started, every %ss", worker or default_worker(), interval)
    scheduler.start()
