"""Delivery: e-mail over SMTP (plain text and HTML, no clinical detail) and the in-app inbox."""

import hashlib
import smtplib
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..display import local_datetime
from ..models import Reminder
from . import links

SUBJECTS = {
    "check_72h": _l("Your 3-day check-in is due"),
    "check_72h_repeat": _l("Reminder: your 3-day check-in"),
    "follow_up_before": _l("Your clinic appointment is in 2 days"),
    "follow_up_morning": _l("Your clinic appointment is today"),
    "daily_nudge": _l("Time for today's check-in"),
    "invite": _l("Set your password for Recovery"),
}
CHECKIN_KINDS = ("check_72h", "check_72h_repeat", "daily_nudge")


def message_id(reminder: Reminder) -> str:
    """A Message-ID derived from the idempotency key: a resend after a crash is recognisable."""
    digest = hashlib.sha256(reminder.idempotency_key.encode()).hexdigest()[:40]
    domain = current_app.config.get("MAIL_MESSAGE_ID_DOMAIN", "recovery.local")
    return f"<{digest}@{domain}>"


def _external(endpoint: str, **values) -> str:
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        return url_for(endpoint, _external=True, **values)


def compose(reminder: Reminder, now, invite_token: str | None = None) -> Message:
    """Build the e-mail for a reminder in the patient's language."""
    patient = reminder.patient
    context = {"patient": patient, "kind": reminder.kind, "clinic": current_app.config["CLINIC_NAME"],
               "phone": current_app.config["CLINIC_PHONE_DAY"], "link": None, "appointment_time": None}
    if reminder.kind in CHECKIN_KINDS:
        today = now.astimezone(ZoneInfo(patient.timezone)).date()
        token = links.issue_checkin_link(patient, today, now)
        context["link"] = _external("links.checkin", token=token)
    elif reminder.kind == "invite":
        context["link"] = _external("auth.set_password", token=invite_token)
    if reminder.appointment is not None and reminder.kind.startswith("follow_up"):
        context["appointment_time"] = local_datetime(reminder.appointment.scheduled_for, patient.timezone)
    context["preferences"] = _external("links.unsubscribe", token=links.unsubscribe_token(patient))
    with force_locale(patient.preferred_language):
        subject = str(SUBJECTS[reminder.kind])
        text = render_template("email/reminder.txt", subject=subject, **context)
        html = render_template("email/reminder.html", subject=subject, **context)
    # The classic MIME classes: the same message as EmailMessage builds, at a fraction of the cost
    # (EmailMessage parses every header it is given), which matters when a sweep sends thousands.
    message = MIMEMultipart("alternative")
    message["Subject"] = Header(subject, "utf-8")
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = patient.user.email
    message["Message-ID"] = message_id(reminder)
    message["Date"] = format_datetime(now)
    message["List-Unsubscribe"] = f"<{context['preferences']}>"
    message.attach(MIMEText(text, "plain", "utf-8"))
    message.attach(MIMEText(html, "html", "utf-8"))
    return message


def compose_for_clinician(reminder: Reminder, now) -> EmailMessage:
    """The day-before e-mail to a clinician: the visit's number and time and a link to its
    summary, nothing else (no patient name, record number or clinical detail)."""
    clinician, appointment = reminder.recipient, reminder.appointment
    link = _external("clinic.patient_summary", patient_id=reminder.patient_id, visit=appointment.id)
    with force_locale("en"):  # clinicians have no language setting; the clinic pages default to English
        subject = str(_l("Follow-up visit %(id)s: the visit summary is ready", id=appointment.id))
        text = render_template(
            "email/visit_summary.txt", clinician=clinician, appointment=appointment, link=link,
            appointment_time=local_datetime(appointment.scheduled_for),
            clinic=current_app.config["CLINIC_NAME"])
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = clinician.email
    message["Message-ID"] = message_id(reminder)
    message["Date"] = format_datetime(now)
    message.set_content(text)
    return message


def _connect() -> smtplib.SMTP:
    config = current_app.config
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"])
    if config["MAIL_USE_STARTTLS"]:
        smtp.starttls()
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    return smtp


def send_email(message: Message) -> None:
    """Hand the message to the configured SMTP server; raises on any refusal or time-out."""
    with _connect() as smtp:
        smtp.send_message(message)


class Mailer:
    """One SMTP connection reused for a dispatcher run (a connection per message costs a TCP
    and EHLO round trip each). Opened on first use; after any error it is dropped, so the
    next message starts afresh and the error reaches the caller's retry logic."""

    def __init__(self):
        self._smtp: smtplib.SMTP | None = None

    def send(self, message: Message) -> None:
        try:
            if self._smtp is None:
                self._smtp = _connect()
            self._smtp.send_message(message)
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
