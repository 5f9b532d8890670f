"""The dispatcher: plan, claim, re-check, deliver, mark sent — exactly once across processes.

Claiming is atomic (a conditional UPDATE ... RETURNING on SQLite, FOR UPDATE SKIP LOCKED on
PostgreSQL). What "mark sent" shares with delivery decides the commits (see delivery.py): the
in-app inbox and staff call tasks are rows in the same database, so a claimed batch is
delivered and marked in one transaction; an e-mail leaves the database, so each one is
committed as sent right after the SMTP server accepts it. Either way a second scheduler, a
retry or a restart sends nothing twice. A row left in `sending` by a process that died is
reclaimed when its lease ends.

Leases are measured on the real clock (delivery.lease_clock), not on the run's `now`, which
stands still for the whole run (and may be a replayed day): a claim holds its rows until
REMINDER_LEASE_SECONDS after the moment it was made, and a worker still sending renews them
(see delivery.Run.still_holds), so only a worker that stopped loses its rows.
"""

import logging
import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, union_all, update

from ..extensions import db
from ..models import Reminder, SchedulerHeartbeat
from . import delivery, outbox, rows
from .bulk import among
from .delivery import MAX_ATTEMPTS, DispatchReport, lease_length

log = logging.getLogger(__name__)
BATCH = 500  # reminders claimed at a time: one re-check and one inbox transaction per batch
__all__ = ["MAX_ATTEMPTS", "DispatchReport", "claim", "deliver_due", "lease_length"]


def default_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def deliver_due(now: datetime, worker: str | None = None, batch: int = BATCH, mailer=None) -> DispatchReport:
    """Claim and deliver every reminder due by `now`, a batch at a time.

    `mailer` is where e-mails go (anything with `send(message)`): by default one SMTP
    connection for the run (smtp.Mailer).
    """
    worker = worker or default_worker()
    report = DispatchReport()
    run = delivery.Run(now, worker, report, {"smtp": mailer} if mailer is not None else None)
    try:
        while True:
            lease = delivery.new_lease()
            claimed = claim(now, worker, batch, lease)
            if claimed:
                run.deliver(claimed, lease)
            if len(claimed) < batch:
                return report
    finally:
        run.close()


def _ready(now: datetime):
    return and_(Reminder.status == "pending", Reminder.due_at <= now,
                or_(Reminder.next_attempt_at.is_(None), Reminder.next_attempt_at <= now))


def _abandoned():
    """Rows whose claim ran out on the real clock: their worker stopped (or stalled) and let them go."""
    return and_(Reminder.status == "sending", Reminder.lease_until < delivery.lease_clock())


def candidates(now: datetime, batch: int) -> tuple:
    """The two kinds of claimable rows, oldest due first: abandoned by a dead worker, and due.

    Each is read in the order of the (status, due_at) index and stops after `batch` rows; one
    query with an OR of the two makes the database collect and sort every due row at each
    claim, which over a backlog of 100,000 is quadratic.
    """
    abandoned = select(Reminder.id).where(_abandoned()).order_by(Reminder.due_at).limit(batch)
    ready = select(Reminder.id).where(_ready(now)).order_by(Reminder.due_at).limit(batch)
    return abandoned, ready


def sqlite_claim(now: datetime, worker: str, batch: int, lease: datetime | None = None):
    """SQLite's claim: one UPDATE ... RETURNING of up to `batch` candidates."""
    abandoned, ready = candidates(now, batch)
    both = union_all(select(abandoned.subquery().c.id), select(ready.subquery().c.id)).limit(batch)
    return (update(Reminder).where(Reminder.id.in_(both))
            .values(status="sending", lease_until=lease or delivery.new_lease(), claimed_by=worker)
            .returning(Reminder.id).execution_options(synchronize_session=False))


def claim(now: datetime, worker: str, batch: int, lease: datetime | None = None) -> list[int]:
    """Atomically take up to `batch` reminders due by `now` for this worker until `lease` (by
    default REMINDER_LEASE_SECONDS from now on the real clock); others skip them meanwhile."""
    lease = lease or delivery.new_lease()
    values = {"status": "sending", "lease_until": lease, "claimed_by": worker}
    abandoned, ready = candidates(now, batch)
    if db.engine.dialect.name == "postgresql":
        ids = list(db.session.scalars(abandoned.with_for_update(skip_locked=True)))
        if len(ids) < batch:
            ids += db.session.scalars(ready.limit(batch - len(ids)).with_for_update(skip_locked=True))
        if ids:
            db.session.execute(update(Reminder).where(among(Reminder.id, ids)).values(**values)
                               .execution_options(synchronize_session=False))
    else:
        # One statement (UPDATE ... RETURNING): SQLite runs one write at a time, so the rows it
        # returns were pending (or abandoned) a moment ago and are now this worker's alone.
        ids = list(db.session.scalars(sqlite_claim(now, worker, batch, lease)))
    db.session.commit()
    return ids


def still_applies(reminder: Reminder, now: datetime) -> bool:
    """Is this reminder still owed under the current data (moved, cancelled, done, opted out)?
    The dispatcher's re-check (delivery.applies) for one reminder."""
    row = db.session.execute(rows.reminders([reminder.id])).one()
    owed = outbox.owed([row.patient_id], now) if row.kind != "invite" else {}
    return delivery.applies(row, owed)


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

