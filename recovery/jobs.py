"""The scheduler's job, as plain functions of `now`: recovery/scheduler.py runs dispatch_due every
30 seconds and `flask send-due-reminders` runs it once. This is where the clinic's services and
the reminder engine meet on the clock (the services call the engine after each write; the
engine itself never calls the services): missed 72-hour checks and silence alerts are settled
first, then every patient's reminders are re-planned, then what is due is delivered.
"""

from datetime import datetime

from .extensions import db
from .reminders import sweep
from .reminders.dispatch import BATCH, DispatchReport, deliver_due
from .services import triage
from .services.procedures import mark_missed_72h_checks


def plan_all(now: datetime) -> None:
    """The sweep: mark missed 72-hour checks and re-plan every patient who may be owed something."""
    mark_missed_72h_checks(now)
    triage.evaluate_all(now)  # silence-based alerts (missed check-ins) need the clock, not a write
    db.session.commit()
    sweep.sync_all(now)  # every eligible patient, in batches (as outbox.sync plans one)


def dispatch_due(now: datetime, worker: str | None = None, batch: int = BATCH, mailer=None) -> DispatchReport:
    """Plan (plan_all), then claim and deliver every reminder that is due (deliver_due)."""
    plan_all(now)
    return deliver_due(now, worker, batch, mailer)
