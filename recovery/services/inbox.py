"""The patient's in-app inbox: the in-app reminders already sent, in plain words."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Patient, Reminder
from ..reminders.channels import in_app
from ..reminders.mail import CHECKIN_KINDS, SUBJECTS

# The reminders a patient reads; escalations are for staff and invitations go by e-mail only.
INBOX_KINDS = ("check_72h", "check_72h_repeat", "follow_up_before", "follow_up_morning", "daily_nudge")


@dataclass(frozen=True)
class Message:
    """One inbox entry as the page shows it."""

    id: int
    kind: str
    title: str  # the same words as the e-mail's subject, in the patient's language
    sent_at: datetime
    unread: bool
    appointment_at: datetime | None = None  # follow-up reminders name the visit's time

    @property
    def asks_for_checkin(self) -> bool:
        return self.kind in CHECKIN_KINDS


def _mine(patient: Patient):
    """The conditions every inbox query shares: this patient's sent in-app reminders."""
    return (
        Reminder.patient_id == patient.id,
        Reminder.channel == in_app.name,
        Reminder.status == "sent",
        Reminder.kind.in_(INBOX_KINDS),
    )


def inbox(patient: Patient) -> list[Message]:
    """The patient's messages, newest first."""
    rows = db.session.scalars(
        select(Reminder)
        .where(*_mine(patient))
        .options(selectinload(Reminder.appointment))
        .order_by(Reminder.sent_at.desc(), Reminder.id.desc())
    )
    return [
        Message(
            id=row.id,
            kind=row.kind,
            title=str(SUBJECTS[row.kind]),
            sent_at=row.sent_at,
            unread=row.read_at is None,
            appointment_at=row.appointment.scheduled_for
            if row.appointment is not None and row.kind.startswith("follow_up")
            else None,
        )
        for row in rows
    ]


def unread_count(patient: Patient) -> int:
    """How many of the patient's messages they have not opened yet (one COUNT query)."""
    return db.session.scalar(
        select(func.count()).select_from(Reminder).where(*_mine(patient), Reminder.read_at.is_(None))
    )


def mark_read(patient: Patient, now: datetime, ids: Iterable[int] | None = None) -> int:
    """Mark the patient's unread messages (or just `ids` of them) read at `now`; returns how many."""
    stmt = update(Reminder).where(*_mine(patient), Reminder.read_at.is_(None))
    if ids is not None:
        stmt = stmt.where(Reminder.id.in_(list(ids)))
    result = db.session.execute(stmt.values(read_at=now))
    db.session.flush()
    return result.rowcount
