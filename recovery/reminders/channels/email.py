"""E-mail to the patient (reminders and the set-password invitation), over SMTP."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...extensions import db
from ...models import CallTask, Patient, User
from ...set_password_links import issue_set_password_token
from ...urls import external_url
from .. import links, mail, outbox, rows, smtp

name = "email"
label = _l("E-mail")
patient_facing = True
local = False


FIX_ADDRESS_DEADLINE = timedelta(hours=72)


def reachable(contact) -> bool:
    """The patient has an address that works (not paused) and has not opted out of reminder e-mails."""
    return bool(contact.email) and contact.email_reminders and contact.email_paused_at is None


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
    """Hand the e-mail to the SMTP server; its Message-ID is the ledger's provider id. An
    address the server refused for good pauses the patient's e-mail (settled with the failure)."""
    try:
        run.connection("smtp", smtp.Mailer).send(message)
    except smtp.BadAddress as error:
        address, why = str(message["To"]), str(error)
        error.settle = lambda now: pause(address, now, why)
        raise
    return message["Message-ID"]


def pause(address: str, now: datetime, reason: str) -> None:
    """The mail server says `address` does not work: no more reminder e-mails to the patient
    who has it, and a task on the staff home to fix it (once while it stays paused)."""
    patient = db.session.scalar(select(Patient).join(User, User.id == Patient.user_id)
                                .where(User.email == address.lower()))
    if patient is None or patient.email_paused_at is not None:
        return
    patient.email_paused_at = now
    outbox.sync_patient(patient, now)  # their pending e-mails are cancelled now
    open_task = db.session.scalar(select(CallTask.id).where(
        CallTask.patient_id == patient.id, CallTask.reason == "fix_email", CallTask.closed_at.is_(None)))
    if open_task is None:
        db.session.add(CallTask(patient_id=patient.id, reason="fix_email", created_at=now,
                                due_by=now + FIX_ADDRESS_DEADLINE))
    current_app.logger.warning("e-mail to patient %s paused: %s", patient.id, reason)


def compose(reminder_id: int, now: datetime):
    """The e-mail one reminder would be sent as now, built as the dispatcher builds a batch."""
    (row,) = db.session.execute(rows.reminders([reminder_id])).all()
    (message,) = prepare([row], now)
    if isinstance(message, Exception):
        raise message
    return message
