"""E-mail to the patient (reminders and the set-password invitation), over SMTP."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import User
from ...set_password_links import issue_set_password_token
from ...urls import external_url
from .. import links, mail, rows, smtp

name = "email"
label = _l("E-mail")
patient_facing = True
local = False


def reachable(contact) -> bool:
    """The patient has an address and has not opted out of reminder e-mails."""
    return bool(contact.email) and contact.email_reminders


def prepare(batch: list, now: datetime) -> list:
    """The e-mail for each row (or the exception building it raised); the check-in links they
    carry are inserted in one statement, an invitation's set-password link with it."""
    wanted = [(r.patient_id, now.astimezone(ZoneInfo(r.timezone)).date())
              for r in batch if r.kind in mail.CHECKIN_KINDS]
    carriers = [r.id for r in batch if r.kind in mail.CHECKIN_KINDS]
    tokens = iter(links.issue_checkin_links(wanted, now, reminder_ids=carriers))
    sign = links.unsubscribe_signer()
    messages = []
    for r in batch:
        try:
            token = next(tokens) if r.kind in mail.CHECKIN_KINDS else None
            if r.kind == "invite":
                token = issue_set_password_token(db.session.get(User, r.user_id), now, "invite",
                                                 revoke_others=False)
            preferences = external_url("links.unsubscribe", token=sign(r.patient_id))
            messages.append(mail.reminder(r, token, preferences, now))
        except Exception as error:  # noqa: BLE001 - counted as a failed attempt
            messages.append(error)
    return messages


def hand_over(run, message) -> str:
    """Hand the e-mail to the SMTP server; its Message-ID is the ledger's provider id."""
    run.connection("smtp", smtp.Mailer).send(message)
    return message["Message-ID"]


def compose(reminder_id: int, now: datetime):
    """The e-mail one reminder would be sent as now, built as the dispatcher builds a batch."""
    (row,) = db.session.execute(rows.reminders([reminder_id])).all()
    (message,) = prepare([row], now)
    if isinstance(message, Exception):
        raise message
    return message
