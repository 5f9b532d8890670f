"""The SMTP connection the e-mail channels hand their messages to."""

import smtplib
from email.message import Message

from flask import current_app

from .channels import Unreachable


def _connect() -> smtplib.SMTP:
    config = current_app.config
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"])
    if config["MAIL_USE_STARTTLS"]:
        smtp.starttls()
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    return smtp


class Mailer:
    """One SMTP connection reused for a dispatcher run (a connection per message costs a TCP
    and EHLO round trip each). Opened on first use; after any error it is dropped, so the
    next message starts afresh and the error reaches the caller's retry logic. When the
    server cannot even be reached it raises Unreachable, and stays down for the run: the
    run's other e-mails wait for the next one, untried.
    """

    def __init__(self):
        self._smtp: smtplib.SMTP | None = None
        self.down = False

    def send(self, message: Message) -> None:
        if self.down:
            raise Unreachable("the mail server could not be reached in this run", tried=False)
        if self._smtp is None:
            try:
                self._smtp = _connect()
            except Exception as error:
                self.down = True
                raise Unreachable(f"{type(error).__name__}: {error}", tried=True) from error
        try:
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

