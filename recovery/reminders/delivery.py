"""Delivering one claimed batch: re-check it against the rules, then hand it to its channels.

The commit follows the channel (reminders/channels). A local channel (the in-app inbox, staff
call tasks) writes rows in this database, like the outbox: its rows are delivered and marked
sent in one transaction, so a crash rolls back both and the batch is delivered once, later,
when its lease ends. Any other channel's hand-over leaves the database (an e-mail, when the SMTP
server accepts it), so each is committed as sent right then: a crash can resend at most the
message in flight (an e-mail with the same Message-ID). Everything around that commit is done
per batch: the rules' re-check, the check-in link rows, the templates, the status updates.

A batch is held by a lease on the real clock: REMINDER_LEASE_SECONDS from its claim, renewed in
one UPDATE for the batch's unsent rows whenever less than half of it is left before the next
e-mail, so a slow mail server cannot make a live worker's rows look abandoned. The lease's end
is the claim's token: the worker sends a row, and marks it sent, only while the row still has
its name and that exact lease, so a row another worker took over (after this one stalled past
its lease) is skipped, never sent by both. The lease must outlast one hand-over to the SMTP
server (MAIL_TIMEOUT): the default 300 s against 20 s.
"""

import logging
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import bindparam, update

from ..extensions import db
from ..models import Reminder
from . import channels, ledger, outbox, resets, rows
from .bulk import among
from .channels import Refused, Unreachable
from .rules import hold_for_quiet_hours

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
RETRY_AFTER_OUTAGE = timedelta(seconds=30)  # the next sweep
TABLE = Reminder.__table__


def lease_length() -> timedelta:
    """How long a claim holds its reminders (REMINDER_LEASE_SECONDS, 5 minutes by default)."""
    return timedelta(seconds=current_app.config["REMINDER_LEASE_SECONDS"])


def lease_clock() -> datetime:
    """The clock leases are measured on: the real time, never a run's `now` (which stands still
    for the whole run, and is a replayed day with `send-due-reminders --now`)."""
    return datetime.now(UTC)


def new_lease() -> datetime:
    """The end of a lease taken (or renewed) at this moment."""
    return lease_clock() + lease_length()


@dataclass
class DispatchReport:
    """What one dispatcher run did (for logs and tests)."""

    sent: list[int] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    held: list[int] = field(default_factory=list)
    deferred: list[int] = field(default_factory=list)  # left for the next run (a channel's server down)
    lost: list[int] = field(default_factory=list)  # taken over by another worker after our lease ran out


def applies(row, owed: dict[int, dict]) -> bool:
    """Is a reminder (a rows.reminders row) still owed? `owed` maps patient ids to the keys the
    rules plan now (outbox.owed), which name only channels the patient is still reachable on."""
    if row.kind == "invite":
        return bool(row.email) and row.active and row.no_password
    return row.idempotency_key in owed.get(row.patient_id, ())


def _by_channel(batch: list) -> dict[str, list]:
    grouped = defaultdict(list)
    for row in batch:
        grouped[row.channel].append(row)
    return grouped


def _describe(error: Exception) -> str:
    cause = error.__cause__ if isinstance(error, Unreachable) and error.__cause__ else error
    return f"{type(cause).__name__}: {cause}"[:500]


@contextmanager
def _marking():
    """The connection that marks a batch's hand-overs sent: each UPDATE its own transaction
    (autocommit, one round trip on PostgreSQL instead of two), committed as durably as any other
    (on SQLite, WAL with synchronous=FULL): a crash or a power cut resends at most the message
    in flight, with the same Message-ID."""
    with db.engine.connect() as conn:
        yield conn.execution_options(isolation_level="AUTOCOMMIT")


class Run:
    """One dispatcher run: the clock, the worker, its report and the channels' connections."""

    def __init__(self, now: datetime, worker: str, report: DispatchReport, connections: dict | None = None):
        self.now, self.worker, self.report = now, worker, report
        self.lease: datetime | None = None  # the end of the current batch's lease: its claim token
        self.held: set[int] = set()  # the batch's rows this worker still holds (see still_holds)
        self.rules = outbox.policy()
        self._given = dict(connections or {})  # passed in by the caller, who closes them
        self._opened: dict = {}
        self._quiet: dict[str, datetime] = {}

    def connection(self, key: str, open_):
        """The run's connection `key` (e.g. "smtp"), opened with `open_()` on first use and
        closed when the run ends; one the caller passed in is used as it is."""
        if key in self._given:
            return self._given[key]
        if key not in self._opened:
            self._opened[key] = open_()
        return self._opened[key]

    def close(self) -> None:
        for connection in self._opened.values():
            connection.close()
        self._opened.clear()

    def deliver(self, ids: list[int], lease: datetime) -> None:
        """Deliver one batch claimed until `lease` (see the module docstring for the commits)."""
        self.lease, self.held = lease, set(ids)
        ids = resets.deliver(self, ids)  # password resets: to a user, not a patient's reminders
        loaded = db.session.execute(rows.reminders(ids).where(
            Reminder.status == "sending", Reminder.claimed_by == self.worker)).all()
        patients = list({r.patient_id for r in loaded if r.kind != "invite"})
        owed = outbox.owed(patients, self.now) if patients else {}
        dropped, held, local, external = [], defaultdict(list), [], []
        for row in loaded:
            channel = channels.get(row.channel)
            if not applies(row, owed):
                dropped.append(row.id)
            elif channel.patient_facing and self._held_until(row.timezone) > self.now:
                held[self._held_until(row.timezone)].append(row.id)
            elif channel.local:
                local.append(row)
            else:
                external.append(row)
        if dropped:
            self._update(dropped, status="cancelled", last_error="no longer applies")
        for until, batch in held.items():  # quiet hours (e.g. catching up at night): wait for 08:00
            self._update(batch, status="pending", next_attempt_at=until)
        sent = self._deliver_locally(local)
        db.session.commit()
        self.report.dropped += dropped
        self.report.held += [i for batch in held.values() for i in batch]
        self.report.sent += sent
        for name, batch in _by_channel(external).items():
            self._hand_over_each(channels.get(name), batch)

    def _held_until(self, timezone: str) -> datetime:
        if timezone not in self._quiet:
            self._quiet[timezone] = hold_for_quiet_hours(self.now, ZoneInfo(timezone), self.rules)
        return self._quiet[timezone]

    def _update(self, ids: list[int], was: str = "sending", **values) -> None:
        """Settle claimed rows that are still this worker's (cancelled, held, retried)."""
        db.session.execute(update(TABLE).where(among(TABLE.c.id, ids), TABLE.c.status == was,
                                               TABLE.c.claimed_by == self.worker)
                           .values(lease_until=None, updated_at=self.now, **values))

    def _deliver_locally(self, batch: list) -> list[int]:
        """Mark the rows sent and deliver them in the same transaction; returns the ids sent."""
        if not batch:
            return []
        marked = set(db.session.scalars(
            update(TABLE).where(among(TABLE.c.id, [r.id for r in batch]), TABLE.c.status == "sending",
                                TABLE.c.claimed_by == self.worker)
            .values(status="sent", sent_at=self.now, lease_until=None, updated_at=self.now)
            .returning(TABLE.c.id)))
        sent = []
        for name, group in _by_channel([r for r in batch if r.id in marked]).items():
            channel = channels.get(name)
            for row, item in zip(group, channel.prepare(group, self.now), strict=True):
                try:
                    if isinstance(item, Exception):
                        raise item
                    channel.hand_over(self, item)
                except Exception as error:  # noqa: BLE001 - retried, never lost
                    self._failed_attempt(row, error, was="sent")  # marked above, in this transaction
                else:
                    sent.append(row.id)
        return sent

    def _hand_over_each(self, channel, batch: list) -> None:
        """A channel outside the database: each row committed as sent right after its hand-over."""
        items = channel.prepare(batch, self.now)
        db.session.commit()  # the links and tokens exist before any message names them
        sent = update(TABLE).where(TABLE.c.id == bindparam("row_id"), TABLE.c.status == "sending",
                                   TABLE.c.claimed_by == self.worker,
                                   TABLE.c.lease_until == bindparam("lease"))  # still our claim
        sent = sent.values(status="sent", sent_at=self.now, provider_id=bindparam("b_provider"),
                           lease_until=None, updated_at=self.now)
        with _marking() as conn:
            for i, (row, item) in enumerate(zip(batch, items, strict=True)):
                if not self.still_holds(row.id, conn):
                    log.warning("reminder %s was taken over by another worker: skipped", row.id)
                    self.report.lost.append(row.id)
                    continue
                try:
                    if isinstance(item, Exception):
                        raise item
                    provider_id = channel.hand_over(self, item)
                except Unreachable as error:  # the rest wait for the next run, no attempt counted
                    later = batch[i:]
                    if error.tried:
                        self._failed_attempt(row, error)
                        later = later[1:]
                    self.defer([r.id for r in later if r.id in self.held])
                    return
                except Refused as error:  # for good: failed now, never retried
                    ledger.record(row.id, row.channel, "failed", "refused", self.now, error_code=error.code)
                    if error.settle is not None:
                        error.settle(self.now)
                    self._failed_attempt(row, error, final=True)
                    db.session.commit()
                    continue
                except Exception as error:  # noqa: BLE001 - any delivery failure is retried, never lost
                    self._failed_attempt(row, error)
                    db.session.commit()
                    continue
                marked = conn.execute(sent, {"row_id": row.id, "lease": self.lease,
                                             "b_provider": str(provider_id)[:64] if provider_id else None})
                if marked.rowcount != 1:
                    log.warning("reminder %s was sent after its lease ended", row.id)
                self.report.sent.append(row.id)

    def still_holds(self, row_id: int, conn=None) -> bool:
        """Is row `row_id` still this worker's to send? When less than half of the lease is left,
        first renews it for every row of the batch still in `sending` under this worker's claim
        (one UPDATE; none while delivery is quick); rows settled since, or lost to another
        worker, drop out of `held`, so a lost row is skipped. `conn`: the marking connection
        (autocommit), else the session, committed here."""
        if row_id not in self.held:
            return False
        if lease_clock() < self.lease - lease_length() / 2:
            return True
        renewed = new_lease()
        renew = (update(TABLE).where(among(TABLE.c.id, list(self.held)), TABLE.c.status == "sending",
                                     TABLE.c.claimed_by == self.worker, TABLE.c.lease_until == self.lease)
                 .values(lease_until=renewed).returning(TABLE.c.id))
        if conn is not None:
            kept = set(conn.execute(renew).scalars())
        else:
            kept = set(db.session.execute(renew).scalars())
            db.session.commit()
        self.held.intersection_update(kept)
        self.lease = renewed
        return row_id in self.held

    def defer(self, ids: list[int]) -> None:
        """A channel's server is unreachable: these wait for the next run, no attempt counted."""
        if ids:
            self._update(ids, status="pending", next_attempt_at=self.now + RETRY_AFTER_OUTAGE)
        db.session.commit()
        self.report.deferred += ids

    def _failed_attempt(self, row, error: Exception, was: str = "sending", final: bool = False) -> None:
        """Back off exponentially (1, 2, 4, 8 minutes); after MAX_ATTEMPTS (or a `final`
        refusal) show it as failed."""
        attempts = row.attempts + 1
        values = {"attempts": attempts, "last_error": _describe(error), "sent_at": None, "provider_id": None}
        if attempts >= MAX_ATTEMPTS or final:
            self._update([row.id], was, status="failed", **values)
            self.report.failed.append(row.id)
        else:
            backoff = timedelta(minutes=2 ** (attempts - 1))
            self._update([row.id], was, status="pending", next_attempt_at=self.now + backoff, **values)
            self.report.retried.append(row.id)
        log.warning("reminder %s attempt %s failed: %s", row.id, attempts, error)
