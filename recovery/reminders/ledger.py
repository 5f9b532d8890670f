"""Each reminder's delivery ledger: planned -> sent -> delivered or failed -> opened -> answered.

The first two steps are the reminder's own row, written where the engine already writes it:
planned is the row (created_at, due_at), sent its hand-over (sent_at, with the id the SMTP server
or the provider gave the message in provider_id, in the very UPDATE that marks it sent, so a
crash or a second dispatcher can neither lose nor repeat it). Everything after is a row in
reminder_deliveries, written once per (reminder, step, status) however often it is reported:
a provider's status callback (services/texting.py), an SMTP server's permanent refusal, the
patient following the reminder's check-in link (opened), and the check-in it asked for (answered:
the reminder whose link was followed, else the latest sent that day before the check-in).

Pages read a page's ledger in one query (steps_for) and put each reminder's timeline together
from its row and its steps (timeline): never a query per row.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import CheckinLink, Reminder, ReminderDelivery
from .bulk import among
from .mail import CHECKIN_KINDS

# A provider's statuses and the step each means (Twilio's, for texts).
PROVIDER_STEPS = {"accepted": "sent", "queued": "sent", "sending": "sent", "sent": "sent",
                  "delivered": "delivered", "read": "delivered", "undelivered": "failed", "failed": "failed"}
ORDER = ("planned", "sent", "delivered", "failed", "opened", "answered")


@dataclass(frozen=True)
class Step:
    """One step of a timeline: what (a DELIVERY_STEPS code), when (UTC), and what reported it."""

    step: str
    at: datetime
    status: str | None = None
    error_code: int | None = None


def record(reminder_id: int, channel: str, step: str, status: str, now: datetime,
           provider_id: str | None = None, error_code: int | None = None) -> bool:
    """Write one step; False (and nothing written) when that step was recorded before, for the
    same message and status or the same reminder, step and status."""
    try:
        with db.session.begin_nested():
            db.session.add(ReminderDelivery(reminder_id=reminder_id, channel=channel, step=step,
                                            provider_id=provider_id, status=status, at=now,
                                            error_code=error_code))
    except IntegrityError:
        return False
    return True


def opened(link: CheckinLink, now: datetime) -> bool:
    """The patient followed `link`: its reminder's "opened" step, the first time only."""
    if link.reminder_id is None:
        return False
    channel = db.session.scalar(select(Reminder.channel).where(Reminder.id == link.reminder_id))
    return record(link.reminder_id, channel, "opened", "link", now)


def answered(patient_id: int, day_start: datetime, now: datetime, via: int | None = None) -> int | None:
    """The check-in the patient just made answers one reminder sent that day (`day_start`, the
    UTC start of the check-in's local day, to `now`): the one whose link brought them (`via`),
    else the one whose link they followed, else the latest sent. Once a day: a day already
    answered is left as it is. Returns the reminder credited, if any."""
    sent = list(db.session.execute(
        select(Reminder.id, Reminder.channel, Reminder.sent_at).where(
            Reminder.patient_id == patient_id, Reminder.kind.in_(CHECKIN_KINDS), Reminder.status == "sent",
            Reminder.sent_at >= day_start, Reminder.sent_at <= now)
        .order_by(Reminder.sent_at.desc(), Reminder.id.desc())))
    if not sent:
        return None
    steps = {(r.reminder_id, r.step) for r in db.session.execute(
        select(ReminderDelivery.reminder_id, ReminderDelivery.step).where(
            among(ReminderDelivery.reminder_id, [r.id for r in sent]),
            ReminderDelivery.step.in_(("opened", "answered"))))}
    if any(step == "answered" for _, step in steps):
        return None
    chosen = (next((r for r in sent if r.id == via), None)
              or next((r for r in sent if (r.id, "opened") in steps), None) or sent[0])
    return chosen.id if record(chosen.id, chosen.channel, "answered", "checkin", now) else None


def steps_for(reminder_ids) -> dict[int, list[ReminderDelivery]]:
    """The ledger rows of these reminders, in one query, by reminder, oldest first."""
    ids = list(reminder_ids)
    out: dict[int, list[ReminderDelivery]] = defaultdict(list)
    if ids:
        for row in db.session.scalars(select(ReminderDelivery).where(among(ReminderDelivery.reminder_id, ids))
                                      .order_by(ReminderDelivery.at, ReminderDelivery.id)):
            out[row.reminder_id].append(row)
    return out


def timeline(reminder: Reminder, rows: list[ReminderDelivery]) -> list[Step]:
    """A reminder's steps in the order of its life, each at its first time: planned (when it
    was written), sent (its hand-over), then what the ledger holds. A provider's later
    "sent" (on its way to the handset) adds nothing beside the hand-over; a failure shows its
    status and code."""
    first: dict[str, Step] = {"planned": Step("planned", reminder.created_at)}
    if reminder.sent_at is not None:
        first["sent"] = Step("sent", reminder.sent_at, "accepted")
    for row in rows:
        if row.step not in first:
            first[row.step] = Step(row.step, row.at, row.status, row.error_code)
    return sorted(first.values(), key=lambda s: ORDER.index(s.step))
