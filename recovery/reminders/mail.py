"""Reminder e-mails: their words (subjects and templates) and the one writer of every e-mail
Recovery sends: the standard library's email.message, plain text with an HTML alternative.

The writer uses the package's classic API (email.mime on email.message.Message, headers kept
as given) rather than EmailMessage, whose header parsing makes each message about three times
dearer to build, and the dispatcher builds every e-mail of a backlog."""

import hashlib
from datetime import datetime
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from .. import short_codes
from ..display import local_datetime
from ..urls import external_url

SUBJECTS = {
    "check_72h": _l("Your 3-day check-in is due"),
    "check_72h_repeat": _l("Reminder: your 3-day check-in"),
    "follow_up_before": _l("Your clinic appointment is in 2 days"),
    "follow_up_morning": _l("Your clinic appointment is today"),
    "daily_nudge": _l("Time for today's check-in"),
    "invite": _l("Set your password for Recovery"),
}
CHECKIN_KINDS = ("check_72h", "check_72h_repeat", "daily_nudge")


def message_id(idempotency_key: str) -> str:
    """A Message-ID derived from the idempotency key: a resend after a crash is recognisable."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    return f"<{digest}@{current_app.config.get('MAIL_MESSAGE_ID_DOMAIN', 'recovery.local')}>"


def email(subject: str, to: str, key: str, now: datetime, text: str, html: str | None = None,
          **headers: str) -> Message:
    """One e-mail from the clinic's sender, its Message-ID derived from the outbox key `key`;
    `headers` are added as given (List_Unsubscribe -> List-Unsubscribe). Both parts are
    UTF-8 in base64, so the text arrives exactly as rendered."""
    message = MIMEText(text, "plain", "utf-8")
    if html is not None:
        message = MIMEMultipart("alternative")
        message.attach(MIMEText(text, "plain", "utf-8"))
        message.attach(MIMEText(html, "html", "utf-8"))
    # An ASCII subject goes as it is; only another one needs RFC 2047 encoding (a Header), whose
    # length calculations were a quarter of flattening each English reminder.
    message["Subject"] = subject if subject.isascii() else Header(subject, "utf-8")
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = to
    message["Message-ID"] = message_id(key)
    message["Date"] = format_datetime(now)
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    return message


def reminder(row, token: str | None, preferences: str, now: datetime) -> Message:
    """The reminder (or invitation) e-mail for one loaded reminder row (rows.reminders), in the
    patient's language. `token`: what its link carries (check-in or set-password), if any;
    `preferences`: the link to their e-mail preferences (and unsubscribe)."""
    invite = row.kind == "invite"
    link = None
    if token is not None:
        link = external_url("auth.set_password" if invite else "links.checkin", token=token)
    when = None
    if row.scheduled_for is not None and row.kind.startswith("follow_up"):
        when = local_datetime(row.scheduled_for, row.timezone)
    start = external_url("auth.start")  # the short address the invitation's code is typed at
    config = current_app.config
    context = {"patient": {"name": row.display_name}, "kind": row.kind, "clinic": config["CLINIC_NAME"],
               "phone": config["CLINIC_PHONE_DAY"], "link": link, "appointment_time": when,
               "preferences": preferences, "start": start,
               "code": short_codes.grouped(short_codes.code_for(token)) if invite and token else "",
               "qr": Markup(short_codes.qr_svg(link, start)) if invite and link else ""}  # noqa: S704  # nosec B704 - segno builds it
    with force_locale(row.preferred_language):
        subject = str(SUBJECTS[row.kind])
        text = render_template("email/reminder.txt", subject=subject, **context)
        html = render_template("email/reminder.html", subject=subject, **context)
    return email(subject, row.email, row.idempotency_key, now, text, html,
                 List_Unsubscribe=f"<{preferences}>")
