"""The password-reset e-mail: a one-time link, in the user's language, sent after the commit."""

from email.utils import make_msgid

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from ..models import User
from ..reminders.channels import send_email, single_email
from ..reminders.mail import external_url


def send_reset_email(user: User, token: str, now) -> None:
    """E-mail `user` their reset link; raises if the SMTP server refuses it."""
    config = current_app.config
    link = external_url("auth.set_password", token=token)
    language = user.patient.preferred_language if user.patient is not None else "en"
    context = {"name": user.display_name, "link": link, "minutes": config["PASSWORD_RESET_VALID_MINUTES"],
               "phone": config["CLINIC_PHONE_DAY"]}
    with force_locale(language):
        subject = _("Reset your Recovery password")
        text = render_template("email/password_reset.txt", **context)
        html = render_template("email/password_reset.html", subject=subject, **context)
    mid = make_msgid(domain=config.get("MAIL_MESSAGE_ID_DOMAIN", "recovery.local"))
    send_email(single_email(subject, user.email, mid, now, text, html))
