"""The staff's window on the reminder outbox: list and filter reminders, resend a failed one."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from ..extensions import db
from ..models import Patient, Reminder, User
from ..models.reminders import REMINDER_STATUSES
from ..reminders.dispatch import still_applies
from . import audit
from .errors import NotFound, ValidationError

UPCOMING = ("pending", "sending")


@dataclass(frozen=True)
class Listing:
    """The newest reminders (up to `limit`) and whether older ones were left out."""

    reminders: list[Reminder]
    truncated: bool


def parse_status(value: str | None) -> str | None:
    """A status filter from a query string: empty means all; anything unknown is refused."""
    value = (value or "").strip().lower()
    if not value:
        return None
    if value not in REMINDER_STATUSES:
        raise ValidationError(
            {
                "status": str(
                    _l(
                        "Unknown status “%(value)s”. Choose one of: %(choices)s.",
                        value=value[:40],
                        choices=", ".join(REMINDER_STATUSES),
                    )
                )
            }
        )
    return value


def list_reminders(status: str | None = None, limit: int = 200) -> Listing:
    """Every reminder with its patient, newest due first, in one query."""
    stmt = (
        select(Reminder)
        .join(Reminder.patient)
        .join(Patient.user)
        .options(contains_eager(Reminder.patient).contains_eager(Patient.user))
        .order_by(Reminder.due_at.desc(), Reminder.id.desc())
        .limit(limit + 1)  # one more tells whether the list was cut
    )
    if status is not None:
        stmt = stmt.where(Reminder.status == status)
    rows = list(db.session.scalars(stmt))
    return Listing(rows[:limit], len(rows) > limit)


def upcoming_for(patient: Patient, limit: int = 50) -> list[Reminder]:
    """A patient's reminders not yet sent, soonest first."""
    return list(
        db.session.scalars(
            select(Reminder)
            .where(Reminder.patient_id == patient.id, Reminder.status.in_(UPCOMING))
            .order_by(Reminder.due_at, Reminder.id)
            .limit(limit)
        )
    )


def resend(reminder_id, actor: User, now: datetime) -> Reminder:
    """Give a failed reminder a fresh set of attempts; the next dispatcher run sends it.

    The last error stays on the row as history until the next attempt replaces it.
    """
    reminder = db.session.get(Reminder, reminder_id) if isinstance(reminder_id, int) else None
    if reminder is None or reminder.patient_id is None:  # password resets are not patient reminders
        raise NotFound(reminder_id)
    if reminder.status != "failed":
        raise ValidationError({"reminder": str(_l("Only a failed reminder can be resent."))})
    if not still_applies(reminder, now):
        raise ValidationError(
            {
                "reminder": str(
                    _l(
                        "This reminder no longer applies (the visit moved or ended, the check-in window "
                        "closed, or the patient opted out), so it was not resent."
                    )
                )
            }
        )
    reminder.status = "pending"
    reminder.attempts = 0
    reminder.next_attempt_at = None
    reminder.lease_until = None
    reminder.claimed_by = None
    reminder.updated_at = now
    db.session.flush()
    audit.record(actor, "reminder.resend", reminder.patient, now)
    return reminder
