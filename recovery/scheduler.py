"""The scheduler process: APScheduler runs the reminder sweep every 30 seconds (all reminder
state lives in the outbox) and stores the cohort's expected-recovery bands every
BAND_REFRESH_MINUTES, so the patient charts read them instead of the whole cohort.

APScheduler 3 cannot share a job store between processes, so each scheduler keeps its jobs
in memory; the outbox's atomic claims make two of them safe together, and two band refreshes
store the same rows (the later one wins).
"""

import logging
import signal
import threading

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from .jobs import dispatch_due
from .models import utcnow
from .reminders.dispatch import beat, default_worker
from .services.cohort import refresh_expected_bands
from .services.completion import refresh_summary as refresh_completion

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 30
BAND_REFRESH_MINUTES = 10


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


def refresh_bands(app: Flask) -> None:
    """Store the expected-recovery bands and the completion summary as the cohort gives them now
    (errors are logged)."""
    with app.app_context():
        from .extensions import db

        try:
            now = utcnow()
            refresh_expected_bands(now)
            refresh_completion(now)
            db.session.commit()
        except Exception:  # the stored bands (or the computed ones) serve until the next run
            log.exception("expected-band refresh failed")
            db.session.rollback()


def build(app: Flask, worker: str | None = None, interval: int = INTERVAL_SECONDS) -> BackgroundScheduler:
    """A scheduler (its own thread) with the sweep job and the band refresh, each coalesced, one at a time,
    with a generous misfire grace, both run first at start-up."""
    worker = worker or default_worker()
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        run_once, "interval", seconds=interval, args=(app, worker), id="sweep",
        coalesce=True, max_instances=1, misfire_grace_time=300, next_run_time=utcnow(),
    )
    scheduler.add_job(
        refresh_bands, "interval", minutes=BAND_REFRESH_MINUTES, args=(app,), id="bands",
        coalesce=True, max_instances=1, misfire_grace_time=300, next_run_time=utcnow(),
    )
    return scheduler


def run(app: Flask, worker: str | None = None, interval: int = INTERVAL_SECONDS) -> None:
    """Run until SIGTERM or SIGINT, then stop cleanly: a running sweep finishes first.

    The main thread waits in short naps: the kernel may hand the signal to one of the
    scheduler's threads, and Python runs its handler only in the main thread, once that
    thread's wait ends (a wait until the next job kept `make run`'s stop waiting up to 30 s).
    """
    scheduler = build(app, worker, interval)
    stopping = threading.Event()

    def stop(signum, frame):
        log.info("scheduler stopping (signal %s)", signum)
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("scheduler %s started, every %ss", worker or default_worker(), interval)
    scheduler.start()
    while not stopping.wait(0.2):
        pass
    scheduler.shutdown(wait=True)
