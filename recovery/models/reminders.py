"""The reminder outbox, staff call tasks, one-time check-in links and the scheduler heartbeat."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import vocabulary
from ..extensions import db
from .types import UTCDateTime, utcnow

REMINDER_KINDS = vocabulary.codes(vocabulary.REMINDER_KINDS)
REMINDER_STATUSES = vocabulary.codes(vocabulary.REMINDER_STATUSES)
CALL_OUTCOMES = vocabulary.codes(vocabulary.CALL_OUTCOMES)
CALL_NOTE_MAX = 1000  # what staff write when closing a call task, in characters


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Reminder(db.Model):
    """One message to send, written ahead of time so staff see what is coming.

    The idempotency key makes a reminder impossible to create twice; it includes the
    appointment's revision, so a rescheduled visit gets fresh reminders.
    """

    __tablename__ = "reminders"
    __table_args__ = (
        CheckConstraint(_in("kind", REMINDER_KINDS), name="kind"),
        # The CHECK on `channel` is the channel registry's (reminders/channels): it lists
        # exactly the registered channels.
        CheckConstraint(_in("status", REMINDER_STATUSES), name="status"),
        # Every reminder is about a patient, but for a password reset, addressed to any user.
        CheckConstraint("patient_id IS NOT NULL OR kind = 'password_reset'", name="patient_required"),
        # The dispatcher's claims (status, due_at); the outbox's counts by status under any filter
        # of kind, channel and due date read only this index, and its pages walk it in order.
        Index("ix_reminders_status_due", "status", "due_at", "kind", "channel", "patient_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(160), unique=True)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"), index=True)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"), index=True)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # clinic channel, resets
    kind: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(8))
    for_date: Mapped[date | None]  # the patient's local day a nudge is for
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The message's id at the service that took it (an e-mail's Message-ID, a text's sid), set
    # with sent_at at the hand-over: the ledger's "sent" step (reminders/ledger.py).
    provider_id: Mapped[str | None] = mapped_column(String(64))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # in-app inbox
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    patient = relationship("Patient")
    appointment = relationship("Appointment")
    recipient = relationship("User")


class CallTask(db.Model):
    """A staff task to phone a patient (missed 72-hour check), closed with an outcome."""

    __tablename__ = "call_tasks"
    __table_args__ = (
        UniqueConstraint("appointment_id", "reason", name="uq_call_tasks_appointment_reason"),
        CheckConstraint(
            "outcome IS NULL OR " + _in("outcome", CALL_OUTCOMES), name="outcome"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"))
    reason: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_by: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)

    patient = relationship("Patient")
    closed_by = relationship("User")


class CheckinLink(db.Model):
    """A single-use e-mailed link that opens one patient's check-in for one day, for 24 hours."""

    __tablename__ = "checkin_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    for_date: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The reminder that carried it (its ledger's "opened" and "answered"); None for a link sent
    # otherwise (the answer to a texted score).
    reminder_id: Mapped[int | None] = mapped_column(ForeignKey("reminders.id"))

    patient = relationship("Patient")


class SchedulerHeartbeat(db.Model):
    """The last time each scheduler process ran its sweep; /healthz reads it."""

    __tablename__ = "scheduler_heartbeats"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime)
