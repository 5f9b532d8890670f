"""The SMTP connection the e-mail channels hand their messages to."""

import smtplib
from email.message import Message

from flask import current_app

from .channels import Refused, Unreachable

# A mailbox that does not exist or cannot take mail, when the server says so after the data.
NO_MAILBOX = {550, 551, 553}


class BadAddress(Refused):
    """The server refused the recipient's address for good (a 5xx to RCPT, or a mailbox code
    to DATA): the address does not work."""


def _text(why) -> str:
    return why.decode(errors="replace") if isinstance(why, bytes) else str(why)


def classify(error: Exception) -> Exception:
    """A permanent (5xx) refusal of the recipient or the message becomes Refused (BadAddress
    when it is the address), failed at once and never retried; anything else (a 4xx, a dropped
    connection, our own sender or login refused) stays as it is, retried with back-off."""
    if isinstance(error, smtplib.SMTPRecipientsRefused) and error.recipients:
        codes = [code for code, _ in error.recipients.values()]
        if all(500 <= code < 600 for code in codes):
            code, why = next(iter(error.recipients.values()))
            return BadAddress(f"{code} {_text(why)}", code)
    if isinstance(error, smtplib.SMTPDataError) and 500 <= error.smtp_code < 600:
        kind = BadAddress if error.smtp_code in NO_MAILBOX else Refused
        return kind(f"{error.smtp_code} {_text(error.smtp_error)}", error.smtp_code)
    return error


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
        except Exception as error:
            self.close()
            refused = classify(error)
            if refused is not error:
                raise refused from error
            raise

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._smtp = None

