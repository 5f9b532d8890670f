"""Delivery: e-mail over SMTP (plain text and HTML, no clinical detail) and the in-app inbox."""

import smtplib
from email.message import EmailMessage, Message
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..display import local_datetime
from ..models import Reminder
from ..urls import external_url
from . import links, mail
from .mail import CHECKIN_KINDS, SUBJECTS, Outgoing

__all__ = ["CHECKIN_KINDS", "SUBJECTS", "Mailer", "compose", "compose_for_clinician", "send_email"]


def message_id(reminder: Reminder) -> str:
    """A Message-ID derived from the idempotency key: a resend after a crash is recognisable."""
    return mail.message_id(reminder.idempotency_key)


def recipient(reminder: Reminder) -> mail.Recipient:
    """What the composer needs about one reminder, read from the ORM objects."""
    patient = reminder.patient
    appointment = reminder.appointment
    return mail.Recipient(reminder.idempotency_key, reminder.kind, patient.id, patient.name,
                          patient.user.email, patient.preferred_language, patient.timezone,
                          appointment.scheduled_for if appointment is not None else None)


def compose(reminder: Reminder, now, invite_token: str | None = None) -> Outgoing:
    """Build the e-mail for one reminder in the patient's language (the dispatcher builds a
    whole batch at once with mail.Composer; this is the same message for one)."""
    token = invite_token
    if reminder.kind in CHECKIN_KINDS:
        today = now.astimezone(ZoneInfo(reminder.patient.timezone)).date()
        token = links.issue_checkin_link(reminder.patient, today, now)
    return mail.Composer(now).compose(recipient(reminder), token)


def compose_for_clinician(reminder: Reminder, now) -> EmailMessage:
    """The day-before e-mail to a clinician: the visit's number and time and a link to its
    summary, nothing else (no patient name, record number or clinical detail)."""
    clinician, appointment = reminder.recipient, reminder.appointment
    link = external_url("clinic.patient_summary", patient_id=reminder.patient_id, visit=appointment.id)
    with force_locale("en"):  # clinicians have no language setting; the clinic pages default to English
        subject = str(_l("Follow-up visit %(id)s: the visit summary is ready", id=appointment.id))
        text = render_template(
            "email/visit_summary.txt", clinician=clinician, appointment=appointment, link=link,
            appointment_time=local_datetime(appointment.scheduled_for),
            clinic=current_app.config["CLINIC_NAME"])
    return single_email(subject, clinician.email, message_id(reminder), now, text)


def single_email(subject: str, to: str, mid: str, now, text: str, html: str | None = None) -> EmailMessage:
    """One e-mail from the clinic's sender (plain text, optionally with an HTML alternative);
    the bulk reminder e-mails are built by mail.Composer instead."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = to
    message["Message-ID"] = mid
    message["Date"] = format_datetime(now)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def _connect() -> smtplib.SMTP:
    config = current_app.config
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"])
    if config["MAIL_USE_STARTTLS"]:
        smtp.starttls()
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    return smtp


def _hand_over(smtp, message: Message | Outgoing) -> None:
    if isinstance(message, Outgoing):
        sender, recipients = message.envelope
        smtp.sendmail(sender, list(recipients), message.data)
    else:
        smtp.send_message(message)


def send_email(message: Message | Outgoing) -> None:
    """Hand the message to the configured SMTP server; raises on any refusal or time-out."""
    with _connect() as smtp:
        _hand_over(smtp, message)


class Mailer:
    """One SMTP connection reused for a dispatcher run (a connection per message costs a TCP
    and EHLO round trip each). Opened on first use; after any error it is dropped, so the
    next message starts afresh and the error reaches the caller's retry logic. When the
    server cannot even be reached, `down` is set: the run leaves its other e-mails for later.

    Delivery is outside the database (`transactional` False): the dispatcher commits each
    e-mail as sent right after the server accepts it.
    """

    transactional = False

    def __init__(self):
        self._smtp: smtplib.SMTP | None = None
        self.down = False

    def send(self, message: Message | Outgoing) -> None:
        if self._smtp is None:
            try:
                self._smtp = _connect()
            except Exception:
                self.down = True
                raise
        try:
            _hand_over(self._smtp, message)
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._smtp = None
