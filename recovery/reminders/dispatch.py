"""The dispatcher: plan, claim, re-check, send, mark sent — exactly once across processes.

Claiming is atomic (a conditional UPDATE ... RETURNING on SQLite, FOR UPDATE SKIP LOCKED on PostgreSQL) and
each reminder is committed on its own, so a second scheduler, a retry or a restart never sends
a reminder twice. A row left in `sending` by a process that died is reclaimed when its lease ends.
"""

import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Alert, CallTask, Reminder, SchedulerHeartbeat
from ..services import triage
from ..services.accounts import issue_set_password_token
from ..services.procedures import mark_missed_72h_checks
from . import channels, outbox, sweep
from .rules import hold_for_quiet_hours, plan

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5
CALL_DEADLINE = timedelta(hours=24)


@dataclass
class DispatchReport:
    """What one dispatcher run did (for logs and tests)."""

    sent: list[int] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    held: list[int] = field(default_factory=list)


def default_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def dispatch_due(now: datetime, worker: str | None = None, batch: int = 200) -> DispatchReport:
    """Materialise reminders from the rules, then claim and deliver every one that is due."""
    worker = worker or default_worker()
    plan_all(now)
    report = DispatchReport()
    mailer = channels.Mailer()
    try:
        while True:
            claimed = claim(now, worker, batch)
            owed = owed_for(claimed, now)  # one re-check per batch, in a few queries
            for reminder_id in claimed:
                deliver(reminder_id, now, worker, report, owed, mailer)
            if len(claimed) < batch:
                return report
    finally:
        mailer.close()


def owed_for(reminder_ids: list[int], now: datetime) -> dict[int, set[str]]:
    """The keys the rules owe now to the patients of these reminders, by patient id."""
    if not reminder_ids:
        return {}
    patient_ids = list(db.session.scalars(
        select(Reminder.patient_id).where(Reminder.id.in_(reminder_ids)).distinct()))
    rules = outbox.policy()
    return {facts.patient_id: {p.key for p in plan(facts, now, rules)}
            for facts in sweep.load_facts_many(patient_ids, now)}


def plan_all(now: datetime) -> None:
    """The sweep: mark missed 72-hour checks and re-plan every patient who may be owed something."""
    mark_missed_72h_checks(now)
    triage.evaluate_all(now)  # silence-based alerts (missed check-ins) need the clock, not a write
    db.session.commit()
    sweep.sync_all(now)  # every eligible patient, in batches (sync_patient's rules, bulk queries)


def _claimable(now: datetime):
    ready = and_(
        Reminder.status == "pending",
        Reminder.due_at <= now,
        or_(Reminder.next_attempt_at.is_(None), Reminder.next_attempt_at <= now),
    )
    abandoned = and_(Reminder.status == "sending", Reminder.lease_until < now)
    return or_(ready, abandoned)


def claim(now: datetime, worker: str, batch: int) -> list[int]:
    """Atomically take up to `batch` due reminders for this worker; others skip them."""
    values = {"status": "sending", "lease_until": now + LEASE, "claimed_by": worker}
    candidates = select(Reminder.id).where(_claimable(now)).order_by(Reminder.due_at).limit(batch)
    if db.engine.dialect.name == "postgresql":
        ids = list(db.session.scalars(candidates.with_for_update(skip_locked=True)))
        if ids:
            db.session.execute(update(Reminder).where(Reminder.id.in_(ids)).values(**values))
    else:
        # One statement (UPDATE ... RETURNING): SQLite runs one write at a time, so the rows it
        # returns were pending (or abandoned) a moment ago and are now this worker's alone.
        ids = list(db.session.scalars(
            update(Reminder).where(Reminder.id.in_(candidates), _claimable(now)).values(**values)
            .returning(Reminder.id).execution_options(synchronize_session=False)
        ))
    db.session.commit()
    return ids


def deliver(reminder_id: int, now: datetime, worker: str, report: DispatchReport,
            owed: dict[int, set[str]] | None = None, mailer: channels.Mailer | None = None) -> None:
    """Re-check one claimed reminder against current data, send it, and record the outcome.

    `owed` is the rules' answer for the batch, computed after the claim (at most one batch old);
    without it the reminder's patient is re-planned on the spot.
    """
    reminder = db.session.get(Reminder, reminder_id)
    if reminder is None or reminder.status != "sending" or reminder.claimed_by != worker:
        return
    owed_keys = owed.get(reminder.patient_id, set()) if owed is not None else None
    if not still_applies(reminder, now, owed_keys):
        _finish(reminder, "cancelled", now, error="no longer applies")
        report.dropped.append(reminder_id)
        return
    if reminder.channel in ("email", "in_app"):  # staff tasks and clinicians' mail keep no quiet hours
        held = hold_for_quiet_hours(now, ZoneInfo(reminder.patient.timezone), outbox.policy())
        if held > now:  # quiet hours (e.g. catching up after an outage at night): wait for 08:00
            _release(reminder, held, now)
            report.held.append(reminder_id)
            return
    try:
        _send(reminder, now, mailer)
    except Exception as error:  # noqa: BLE001 - any delivery failure is retried, never lost
        db.session.rollback()
        reminder = db.session.get(Reminder, reminder_id)
        _failed_attempt(reminder, now, error, report)
        return
    _finish(reminder, "sent", now)
    report.sent.append(reminder_id)


def still_applies(reminder: Reminder, now: datetime, owed_keys: set[str] | None = None) -> bool:
    """Is this reminder still owed under the current data (moved, cancelled, done, opted out)?"""
    patient = reminder.patient
    if reminder.kind == "invite":
        user = patient.user
        return bool(user.email) and user.active and user.password_hash is None
    if owed_keys is None:
        owed_keys = set(outbox.owed(patient, now))
    if reminder.idempotency_key not in owed_keys:
        return False
    return not (reminder.channel == "email" and not (patient.user.email and patient.email_reminders))


def _send(reminder: Reminder, now: datetime, mailer: channels.Mailer | None = None) -> None:
    if reminder.channel == "in_app":
        return  # the inbox shows sent in-app reminders
    if reminder.channel == "staff":
        _escalate(reminder, now)
        return
    if reminder.channel == "clinic":
        message = channels.compose_for_clinician(reminder, now)
    else:
        token = None
        if reminder.kind == "invite":
            token = issue_set_password_token(reminder.patient.user, now, "invite", revoke_others=False)
        message = channels.compose(reminder, now, invite_token=token)
        db.session.flush()
    if mailer is None:
        channels.send_email(message)
    else:
        mailer.send(message)


def _escalate(reminder: Reminder, now: datetime) -> None:
    """Missed 72-hour check: a call task for staff and an alert for the clinicians."""
    appointment_id = reminder.appointment_id
    db.session.add(CallTask(patient_id=reminder.patient_id, appointment_id=appointment_id,
                            reason="missed_72h", created_at=now, due_by=now + CALL_DEADLINE))
    db.session.add(Alert(patient_id=reminder.patient_id, kind="missed_72h",
                         detail=f"appointment:{appointment_id}", severity="high", created_at=now))


def _finish(reminder: Reminder, status: str, now: datetime, error: str | None = None) -> None:
    reminder.status = status
    reminder.lease_until = None
    reminder.updated_at = now
    if status == "sent":
        reminder.sent_at = now
    if error:
        reminder.last_error = error
    try:
        db.session.commit()
    except IntegrityError:  # e.g. a call task that already exists: the work was done once
        db.session.rollback()
        db.session.execute(update(Reminder).where(Reminder.id == reminder.id).values(
            status=status, lease_until=None, updated_at=now, sent_at=now if status == "sent" else None))
        db.session.commit()


def _release(reminder: Reminder, until: datetime, now: datetime) -> None:
    reminder.status = "pending"
    reminder.lease_until = None
    reminder.next_attempt_at = until
    reminder.updated_at = now
    db.session.commit()


def _failed_attempt(reminder: Reminder, now: datetime, error: Exception, report) -> None:
    """Back off exponentially (1, 2, 4, 8 minutes); after MAX_ATTEMPTS show it as failed."""
    reminder.attempts += 1
    reminder.last_error = f"{type(error).__name__}: {error}"[:500]
    reminder.lease_until = None
    reminder.updated_at = now
    if reminder.attempts >= MAX_ATTEMPTS:
        reminder.status = "failed"
        report.failed.append(reminder.id)
    else:
        reminder.status = "pending"
        reminder.next_attempt_at = now + timedelta(minutes=2 ** (reminder.attempts - 1))
        report.retried.append(reminder.id)
    log.warning("reminder %s attempt %s failed: %s", reminder.id, reminder.attempts, error)
    db.session.commit()


def beat(name: str, now: datetime) -> None:
    """Record that scheduler `name` is alive."""
    row = db.session.get(SchedulerHeartbeat, name)
    if row is None:
        db.session.add(SchedulerHeartbeat(name=name, beat_at=now))
    else:
        row.beat_at = now
    db.session.commit()


def scheduler_alive(now: datetime, max_age: timedelta = timedelta(minutes=5)) -> bool:
    """True when some scheduler wrote a heartbeat within `max_age`."""
    latest = db.session.scalar(select(db.func.max(SchedulerHeartbeat.beat_at)))
    return latest is not None and now - latest <= max_age

