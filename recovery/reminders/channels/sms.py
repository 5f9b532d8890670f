"""Text messages to the patient's mobile, through Twilio's Programmable Messaging API
(reminders/sms_api.py; `flask sms-sink` in development).

A patient is reachable by text when the clinic has a provider account, the patient has a
mobile number and consent to texts on record, chose texts, and the number has neither opted out
nor been reported undeliverable. Texts carry no clinical detail: who they are from, what is due
and a short one-time link; the first text a patient gets says how to stop. Every message asks
for status callbacks (services/texting.py records them against the reminder).
"""

from datetime import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...display import local_datetime
from ...extensions import db
from ...models import Reminder
from ...urls import external_url
from .. import links, mail, sms_api, texts
from . import Refused

name = "sms"
label = _l("Text message")
patient_facing = True
local = False
LINK_BYTES = 16


class Text(NamedTuple):
    reminder_id: int
    patient_id: int
    to: str
    body: str
    status_callback: str


def reachable(contact) -> bool:
    """A mobile number with consent, texts chosen, not opted out or paused, and an account."""
    return (bool(contact.mobile) and contact.sms_consent_at is not None and contact.sms_reminders
            and not contact.sms_opted_out and contact.sms_paused_at is None and sms_api.configured())


def _texted_before(patient_ids: list[int]) -> set[int]:
    """The patients who were already sent a text (their first one said how to stop)."""
    return set(db.session.scalars(select(Reminder.patient_id).distinct().where(
        Reminder.channel == name, Reminder.status == "sent", Reminder.patient_id.in_(patient_ids))))


def prepare(batch: list, now: datetime) -> list:
    """The text for each row (or the exception building it raised); the check-in links are
    inserted in one statement."""
    wanted = [(r.patient_id, now.astimezone(ZoneInfo(r.timezone)).date())
              for r in batch if r.kind in mail.CHECKIN_KINDS]
    carriers = [r.id for r in batch if r.kind in mail.CHECKIN_KINDS]
    tokens = iter(links.issue_checkin_links(wanted, now, nbytes=LINK_BYTES, reminder_ids=carriers))
    introduced = _texted_before(list({r.patient_id for r in batch}))
    items = []
    for r in batch:
        try:
            link = external_url("links.checkin", token=next(tokens)) if r.kind in mail.CHECKIN_KINDS else None
            when = None
            if r.scheduled_for is not None and r.kind.startswith("follow_up"):
                with force_locale(r.preferred_language):
                    when = local_datetime(r.scheduled_for, r.timezone)
            first = r.patient_id not in introduced
            introduced.add(r.patient_id)
            body = texts.reminder_text(r.kind, r.preferred_language, link, when, first)
            items.append(Text(r.id, r.patient_id, r.mobile, body, external_url("sms.status", r=r.id)))
        except Exception as error:  # noqa: BLE001 - counted as a failed attempt
            items.append(error)
    return items


def hand_over(run, item: Text) -> str:
    """Hand the text to the provider; its message sid is the ledger's provider id."""
    try:
        return run.connection("sms", sms_api.Client).send(item.to, item.body, item.status_callback)
    except Refused as error:
        code, why = error.code, str(error)
        if code == sms_api.OPTED_OUT:
            error.settle = lambda now: texts.opt_out(item.to, now, "refused", str(code))
        else:
            error.settle = lambda now: texts.pause(item.patient_id, now, why)
        raise


def compose(reminder_id: int, now: datetime) -> Text:
    """The text one reminder would be sent as now, built as the dispatcher builds a batch."""
    from .. import rows

    (row,) = db.session.execute(rows.reminders([reminder_id])).all()
    (item,) = prepare([row], now)
    if isinstance(item, Exception):
        raise item
    return item
