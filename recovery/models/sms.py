"""Texts: opt-outs per number, the texts patients send us, delivery events per reminder, and the
completion summary derived from them."""

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import vocabulary
from ..extensions import db
from .people import MOBILE_MAX
from .types import UTCDateTime, utcnow

DELIVERY_STEPS = vocabulary.codes(vocabulary.DELIVERY_STEPS)
SMS_BODY_MAX = 1600  # Twilio's longest message body, in characters


class SmsOptOut(db.Model):
    """A number that asked for no more texts (STOP and its synonyms, a plain request, Twilio's
    own opt-out handling, or a send Twilio refused as opted out). Kept per number, whether or
    not a patient has it: a number opted out before it was enrolled stays opted out."""

    __tablename__ = "sms_opt_outs"

    number: Mapped[str] = mapped_column(String(MOBILE_MAX), primary_key=True)
    opted_out_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(16))  # keyword, request, twilio, refused
    keyword: Mapped[str | None] = mapped_column(String(64))  # what the text said, shortened


class SmsMessage(db.Model):
    """One text a number sent to the clinic (the inbound webhook), handled once per MessageSid,
    with what it was taken as and the answer we sent back, if any."""

    __tablename__ = "sms_messages"
    __table_args__ = (Index("ix_sms_messages_from_received", "from_number", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str] = mapped_column(String(64), unique=True)
    from_number: Mapped[str] = mapped_column(String(MOBILE_MAX))
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # pain (a score recorded), bad_score (a reply that was not one), text (kept for the clinic),
    # stop, start, help.
    kind: Mapped[str] = mapped_column(String(16))
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id"))
    reply: Mapped[str | None] = mapped_column(Text)  # our answer (TwiML), None when we sent none
    notice: Mapped[bool] = mapped_column(default=False)  # the reply was the "not watched" notice

    patient = relationship("Patient")


class ReminderDelivery(db.Model):
    """One step of a reminder's delivery ledger (reminders/ledger.py), after its planning and
    hand-over (the reminder's own row holds those: created_at, sent_at, provider_id).

    `step` is what it means (vocabulary.DELIVERY_STEPS); `status` what reported it: a provider's
    status (Twilio's queued, sent, delivered, undelivered, failed), an SMTP refusal ("refused",
    its code in `error_code`), "link" (opened) or "checkin" (answered). Each (message, status)
    and each (reminder, step, status) is written once however often it is reported: a repeated
    callback, a second click or a second check-in that day add nothing."""

    __tablename__ = "reminder_deliveries"
    __table_args__ = (
        UniqueConstraint("provider_id", "status", name="uq_reminder_deliveries_provider_status"),
        UniqueConstraint("reminder_id", "step", "status", name="uq_reminder_deliveries_reminder_step_status"),
        CheckConstraint(f"step IN ({', '.join(repr(s) for s in DELIVERY_STEPS)})", name="step"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reminder_id: Mapped[int] = mapped_column(ForeignKey("reminders.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    step: Mapped[str] = mapped_column(String(12))
    provider_id: Mapped[str | None] = mapped_column(String(64))  # the provider's message id, if it reported
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    error_code: Mapped[int | None]


# Check-ins made / asked for, per procedure, channel ("all" for every channel together) and week
# since the procedure: derived from the reminders and their ledger by
# services/completion.refresh_summary, which the scheduler runs every few minutes, so the cohort
# page adds up one small row per procedure and week instead of every reminder of the clinic.
procedure_completion = Table(
    "procedure_completion", db.metadata,
    Column("procedure_id", Integer, ForeignKey("procedures.id"), primary_key=True),
    Column("channel", String(8), primary_key=True),
    Column("week", Integer, primary_key=True),
    Column("asked", Integer, nullable=False),
    Column("made", Integer, nullable=False),
    Column("computed_at", UTCDateTime, nullable=False),
)
