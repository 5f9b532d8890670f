"""Delivering one claimed batch: re-check it against the rules, then deliver on each channel.

The commit follows the channel. The in-app inbox and staff call tasks are rows in this database,
like the outbox: a batch is delivered and marked sent in one transaction, so a crash rolls back
both and the batch is delivered once, later, when its lease ends. An e-mail leaves the database
when the SMTP server accepts it, so each is committed as sent right then: a crash can resend at
most the message in flight, with the same Message-ID. Everything around that commit is done per
batch: the rules' re-check, the check-in link rows, the templates, the status updates.

A batch is held by a lease on the real clock: REMINDER_LEASE_SECONDS from its claim, renewed in
one UPDATE for the batch's unsent rows whenever less than half of it is left before the next
e-mail, so a slow mail server cannot make a live worker's rows look abandoned. The lease's end
is the claim's token: the worker sends a row, and marks it sent, only while the row still has
its name and that exact lease, so a row another worker took over (after this one stalled past
its lease) is skipped, never sent by both. The lease must outlast one hand-over to the SMTP
server (MAIL_TIMEOUT): the default 300 s against 20 s.
"""

import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Alert, Appointment, CallTask, Patient, Reminder, User
from ..services.accounts import issue_set_password_token
from . import channels, links, mail, outbox, resets, sweep
from .bulk import among
from .rules import hold_for_quiet_hours, plan

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
CALL_DEADLINE = timedelta(hours=24)
RETRY_AFTER_OUTAGE = timedelta(seconds=30)  # the next sweep
LOCAL = ("in_app", "staff")  # delivered by writing rows in this database
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
    deferred: list[int] = field(default_factory=list)  # e-mails left for the next run (server down)
    lost: list[int] = field(default_factory=list)  # taken over by another worker after our lease ran out


def _load(ids: list[int], worker: str) -> list:
    """The claimed rows still this worker's, with what the re-check and the e-mail need."""
    return db.session.execute(
        select(Reminder.id, Reminder.idempotency_key, Reminder.patient_id, Reminder.kind, Reminder.channel,
               Reminder.attempts, Reminder.appointment_id, Patient.timezone, Patient.preferred_language,
               Patient.email_reminders, Patient.user_id, User.display_name, User.email, User.active,
               User.password_hash.is_(None).label("no_password"), Appointment.scheduled_for)
        .join(Patient, Patient.id == Reminder.patient_id).join(User, User.id == Patient.user_id)
        .outerjoin(Appointment, Appointment.id == Reminder.appointment_id)
        .where(among(Reminder.id, ids), Reminder.status == "sending", Reminder.claimed_by == worker)
        .order_by(Reminder.due_at, Reminder.id)
    ).all()


def applies(row, owed: dict[int, set[str]]) -> bool:
    """Is a reminder (a loaded row) still owed, and its patient still reachable on its channel?
    `owed` maps patient ids to the keys the rules plan now (dispatch.still_applies asks it too)."""
    if row.kind == "invite":
        return bool(row.email) and row.active and row.no_password
    if row.idempotency_key not in owed.get(row.patient_id, ()):
        return False
    return not (row.channel == "email" and not (row.email and row.email_reminders))


@contextmanager
def _marking():
    """The connection that marks a batch's e-mails sent: each UPDATE its own transaction
    (autocommit, one round trip on PostgreSQL instead of two).

    On SQLite those commits do not wait for the disk (WAL with synchronous=NORMAL, on this
    connection only, for this batch): a crash of the process loses nothing committed, so a
    crash still resends at most the e-mail in flight; a power cut within moments of a commit
    could forget the last few were sent and resend them, with the same Message-IDs. Waiting
    for the disk costs milliseconds per e-mail, more than all the rest of its delivery.
    """
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            before = int(conn.exec_driver_sql("PRAGMA synchronous").scalar())
            conn.exec_driver_sql("PRAGMA synchronous = NORMAL")
        try:
            yield conn
        finally:
            if sqlite:
                conn.exec_driver_sql(f"PRAGMA synchronous = {before}")


class Run:
    """One dispatcher run: the clock, the worker, its report and where e-mails go."""

    def __init__(self, now: datetime, worker: str, report: DispatchReport, mailer):
        self.now, self.worker, self.report, self.mailer = now, worker, report, mailer
        self.lease: datetime | None = None  # the end of the current batch's lease: its claim token
        self.held: set[int] = set()  # the batch's rows this worker still holds (see still_holds)
        self.rules = outbox.policy()
        self.composer: mail.Composer | None = None
        self._quiet: dict[str, datetime] = {}

    def deliver(self, ids: list[int], lease: datetime) -> None:
        """Deliver one batch claimed until `lease` (see the module docstring for the commits)."""
        self.lease, self.held = lease, set(ids)
        ids = resets.deliver(self, ids)  # password resets: to a user, not a patient's reminders
        rows = _load(ids, self.worker)
        patients = list({r.patient_id for r in rows if r.kind != "invite"})
        owed = {facts.patient_id: {p.key for p in plan(facts, self.now, self.rules)}
                for facts in sweep.load_facts_many(patients, self.now)} if patients else {}
        dropped, held, local, external = [], {}, [], []
        for row in rows:
            if not applies(row, owed):
                dropped.append(row.id)
            elif row.channel in ("email", "in_app") and self._held_until(row.timezone) > self.now:
                held.setdefault(self._held_until(row.timezone), []).append(row.id)
            elif row.channel in LOCAL or self.mailer.transactional:
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
        if external:
            self._send_each(external)

    def _held_until(self, timezone: str) -> datetime:
        if timezone not in self._quiet:
            self._quiet[timezone] = hold_for_quiet_hours(self.now, ZoneInfo(timezone), self.rules)
        return self._quiet[timezone]

    def _update(self, ids: list[int], was: str = "sending", **values) -> None:
        """Settle claimed rows that are still this worker's (cancelled, held, retried)."""
        db.session.execute(update(TABLE).where(among(TABLE.c.id, ids), TABLE.c.status == was,
                                               TABLE.c.claimed_by == self.worker)
                           .values(lease_until=None, updated_at=self.now, **values))

    def _deliver_locally(self, rows: list) -> list[int]:
        """Mark the batch sent and deliver it in the same transaction; returns the ids sent."""
        if not rows:
            return []
        marked = set(db.session.scalars(
            update(TABLE).where(among(TABLE.c.id, [r.id for r in rows]), TABLE.c.status == "sending",
                                TABLE.c.claimed_by == self.worker)
            .values(status="sent", sent_at=self.now, lease_until=None, updated_at=self.now)
            .returning(TABLE.c.id)))
        rows = [r for r in rows if r.id in marked]
        for row in rows:
            if row.channel == "staff":
                self._escalate(row)
        mails = [r for r in rows if r.channel not in LOCAL]
        failed = set()
        for row, message in zip(mails, self._compose(mails), strict=True):
            try:
                if isinstance(message, Exception):
                    raise message
                self.mailer.send(message)
            except Exception as error:  # noqa: BLE001 - retried, never lost
                self._failed_attempt(row, error, was="sent")  # marked above, in this transaction
                failed.add(row.id)
        return [r.id for r in rows if r.id not in failed]

    def _escalate(self, row) -> None:
        """Missed 72-hour check: a call task for staff and an alert for the clinicians (once)."""
        try:
            with db.session.begin_nested():
                db.session.add(CallTask(patient_id=row.patient_id, appointment_id=row.appointment_id,
                                        reason="missed_72h", created_at=self.now,
                                        due_by=self.now + CALL_DEADLINE))
                db.session.add(Alert(patient_id=row.patient_id, kind="missed_72h",
                                     detail=f"appointment:{row.appointment_id}", severity="high",
                                     created_at=self.now))
        except IntegrityError:  # the call task already exists: the work was done once
            pass

    def _compose(self, rows: list) -> list:
        """The e-mail for each row (or the exception composing it raised); the check-in links
        they carry are inserted in one statement."""
        if self.composer is None:
            self.composer = mail.Composer(self.now)
        wanted = [(r.patient_id, self.now.astimezone(ZoneInfo(r.timezone)).date())
                  for r in rows if r.kind in mail.CHECKIN_KINDS]
        tokens = iter(links.issue_checkin_links(wanted, self.now))
        messages = []
        for r in rows:
            token = next(tokens) if r.kind in mail.CHECKIN_KINDS else None
            try:
                if r.channel == "clinic":
                    message = mail.Outgoing.from_message(
                        channels.compose_for_clinician(db.session.get(Reminder, r.id), self.now))
                else:
                    if r.kind == "invite":
                        token = issue_set_password_token(db.session.get(User, r.user_id), self.now, "invite",
                                                         revoke_others=False)
                    message = self.composer.compose(mail.Recipient(
                        r.idempotency_key, r.kind, r.patient_id, r.display_name, r.email,
                        r.preferred_language, r.timezone, r.scheduled_for), token)
            except Exception as error:  # noqa: BLE001 - counted as a failed attempt
                message = error
            messages.append(message)
        return messages

    def _send_each(self, rows: list) -> None:
        """SMTP: each e-mail committed as sent right after the server accepted it."""
        messages = self._compose(rows)
        db.session.commit()  # the links and tokens exist before any e-mail names them
        sent = update(TABLE).where(TABLE.c.id == bindparam("row_id"), TABLE.c.status == "sending",
                                   TABLE.c.claimed_by == self.worker,
                                   TABLE.c.lease_until == bindparam("lease"))  # still our claim
        sent = sent.values(status="sent", sent_at=self.now, lease_until=None, updated_at=self.now)
        with _marking() as conn:
            for i, (row, message) in enumerate(zip(rows, messages, strict=True)):
                if self.mailer.down:  # unreachable: the rest wait for the next run, no attempt counted
                    self.defer([r.id for r in rows[i:] if r.id in self.held])
                    return
                if not self.still_holds(row.id, conn):
                    log.warning("reminder %s was taken over by another worker: skipped", row.id)
                    self.report.lost.append(row.id)
                    continue
                try:
                    if isinstance(message, Exception):
                        raise message
                    self.mailer.send(message)
                except Exception as error:  # noqa: BLE001 - any delivery failure is retried, never lost
                    self._failed_attempt(row, error)
                    db.session.commit()
                    continue
                if conn.execute(sent, {"row_id": row.id, "lease": self.lease}).rowcount != 1:
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
        """The mail server is unreachable: these wait for the next run, no attempt counted."""
        if ids:
            self._update(ids, status="pending", next_attempt_at=self.now + RETRY_AFTER_OUTAGE)
            db.session.commit()
        self.report.deferred += ids

    def _failed_attempt(self, row, error: Exception, was: str = "sending") -> None:
        """Back off exponentially (1, 2, 4, 8 minutes); after MAX_ATTEMPTS show it as failed."""
        attempts = row.attempts + 1
        values = {"attempts": attempts, "last_error": f"{type(error).__name__}: {error}"[:500],
                  "sent_at": None}
        if attempts >= MAX_ATTEMPTS:
            self._update([row.id], was, status="failed", **values)
            self.report.failed.append(row.id)
        else:
            backoff = timedelta(minutes=2 ** (attempts - 1))
            self._update([row.id], was, status="pending", next_attempt_at=self.now + backoff, **values)
            self.report.retried.append(row.id)
        log.warning("reminder %s attempt %s failed: %s", row.id, attempts, error)
