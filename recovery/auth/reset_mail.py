"""The password-reset e-mail: a one-time link, in the user's language, sent after the commit."""

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from ..models import User
from ..reminders.channels import send_email


def send_reset_email(user: User, token: str, now) -> None:
    """E-mail `user` their reset link; raises if the SMTP server refuses it."""
    config = current_app.config
    with current_app.test_request_context(base_url=config["BASE_URL"]):
        link = url_for("auth.set_password", token=token, _external=True)
    language = user.patient.preferred_language if user.patient is not None else "en"
    context = {"name": user.display_name, "link": link, "minutes": config["PASSWORD_RESET_VALID_MINUTES"],
               "phone": config["CLINIC_PHONE_DAY"]}
    with force_locale(language):
        subject = _("Reset your Recovery password")
        text = render_template("email/password_reset.txt", **context)
        html = render_template("email/password_reset.html", subject=subject, **context)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = config["MAIL_SENDER"]
    message["To"] = user.email
    message["Message-ID"] = make_msgid(domain=config.get("MAIL_MESSAGE_ID_DOMAIN", "recovery.local"))
    message["Date"] = format_datetime(now)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    send_email(message)
