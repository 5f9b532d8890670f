"""Reminder e-mails built in bulk: each template rendered once per kind and language per run.

A sweep sends thousands of e-mails that differ only in a name, a time and two links. Rendering
both Jinja templates per message (a gettext lookup per sentence), building the URLs in a request
context and assembling the message with the `email` package cost about 2 ms each; here a
`Composer` renders each (kind, language) once with placeholders, fills them per message
(HTML-escaped in the HTML part) and writes the MIME text directly. The result is the same
message a mail client reads (tests/test_reminder_mail_bulk.py compares them).
"""

import binascii
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, parseaddr
from types import SimpleNamespace

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from markupsafe import escape

from ..display import local_datetime
from ..services import short_codes
from ..urls import external_url
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
SLOT = re.compile("\x00(\\w+)\x00")  # a placeholder; no name, URL or time contains NUL


@dataclass(frozen=True)
class Outgoing:
    """An e-mail ready for SMTP: the envelope and the exact bytes."""

    sender: str  # the From header
    to: str  # the To header
    message_id: str
    data: bytes
    envelope: tuple[str, tuple[str, ...]]  # SMTP's MAIL FROM and RCPT TO addresses

    def as_bytes(self) -> bytes:
        return self.data

    @classmethod
    def from_message(cls, message) -> "Outgoing":
        envelope = (parseaddr(message["From"])[1], (parseaddr(message["To"])[1],))
        return cls(message["From"], message["To"], message["Message-ID"], message.as_bytes(), envelope)


@dataclass(frozen=True)
class Recipient:
    """What a patient reminder e-mail needs to know about one reminder (loaded in bulk)."""

    idempotency_key: str
    kind: str
    patient_id: int
    name: str
    email: str
    language: str
    timezone: str
    appointment_at: datetime | None = None


def message_id(idempotency_key: str) -> str:
    """A Message-ID derived from the idempotency key: a resend after a crash is recognisable."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    return f"<{digest}@{current_app.config.get('MAIL_MESSAGE_ID_DOMAIN', 'recovery.local')}>"


def _url_pattern(endpoint: str, **values) -> tuple[str, str]:
    """The external URL of `endpoint` split around its token: built once, filled per message."""
    marker = "TOKENMARKER"
    before, after = external_url(endpoint, token=marker, **values).split(marker)
    return before, after


def _compile(text: str) -> list[str]:
    """Literal text and slot names, alternating (re.split keeps the captured names)."""
    return SLOT.split(text)


def _fill(parts: list[str], values: dict[str, str]) -> str:
    return "".join(part if i % 2 == 0 else values[part] for i, part in enumerate(parts))


def _b64(text: str) -> bytes:
    """Base64 in lines of 76 characters, CRLF-terminated (RFC 2045), as the email package writes it."""
    encoded = binascii.b2a_base64(text.encode(), newline=False)
    return b"".join([encoded[i:i + 76] + b"\r\n" for i in range(0, len(encoded), 76)])


class Composer:
    """Builds one run's reminder e-mails; holds the rendered skeletons and URL patterns."""

    def __init__(self, now: datetime):
        config = current_app.config
        self.now = now
        self.sender = config["MAIL_SENDER"]
        self.envelope_from = parseaddr(self.sender)[1]
        self.date = format_datetime(now)
        self.clinic, self.phone = config["CLINIC_NAME"], config["CLINIC_PHONE_DAY"]
        self.urls = {"checkin": _url_pattern("links.checkin"), "invite": _url_pattern("auth.set_password"),
                     "unsubscribe": _url_pattern("links.unsubscribe")}
        self._skeletons: dict[tuple, tuple] = {}
        self.start = external_url("auth.start")  # the short address the invitation's code is typed at
        self._unsubscribe: dict[int, str] = {}
        self._sign = links.unsubscribe_signer()

    def compose(self, r: Recipient, token: str | None) -> Outgoing:
        """One e-mail; `token` is the check-in (or set-password) token its link carries."""
        link = None
        if token is not None:
            before, after = self.urls["invite" if r.kind == "invite" else "checkin"]
            link = before + token + after
        when = None
        if r.appointment_at is not None and r.kind.startswith("follow_up"):
            when = local_datetime(r.appointment_at, r.timezone)
        before, after = self.urls["unsubscribe"]
        preferences = before + self._unsubscribe_token(r.patient_id) + after
        subject, text, html = self._skeleton(r.kind, r.language, link is not None, when is not None)
        values = {"name": r.name, "link": link or "", "preferences": preferences, "when": when or "",
                  "code": short_codes.grouped(short_codes.code_for(token)) if r.kind == "invite" and token
                  else ""}
        plain = _fill(text, values)
        escaped = {k: str(escape(v)) for k, v in values.items()}
        escaped["qr"] = short_codes.qr_svg(link, self.start) if r.kind == "invite" and link else ""
        rich = _fill(html, escaped)
        mid = message_id(r.idempotency_key)
        if not (r.email.isascii() and self.sender.isascii()):
            return Outgoing.from_message(self._classic(subject, r.email, mid, preferences, plain, rich))
        boundary = f"=_{mid[1:17]}"
        head = (f"Content-Type: multipart/alternative; boundary=\"{boundary}\"\r\nMIME-Version: 1.0\r\n"
                f"Subject: {subject[1]}\r\nFrom: {self.sender}\r\nTo: {r.email}\r\nMessage-ID: {mid}\r\n"
                f"Date: {self.date}\r\nList-Unsubscribe: <{preferences}>\r\n\r\n")
        part = f"--{boundary}\r\nContent-Type: text/%s; charset=\"utf-8\"\r\nMIME-Version: 1.0\r\n" \
               "Content-Transfer-Encoding: base64\r\n\r\n"
        data = b"".join((head.encode(), (part % "plain").encode(), _b64(plain), (part % "html").encode(),
                         _b64(rich), f"--{boundary}--\r\n".encode()))
        return Outgoing(self.sender, r.email, mid, data, (self.envelope_from, (r.email,)))

    def _unsubscribe_token(self, patient_id: int) -> str:
        token = self._unsubscribe.get(patient_id)
        if token is None:
            token = self._unsubscribe[patient_id] = self._sign(patient_id)
        return token

    def _skeleton(self, kind: str, language: str, has_link: bool, has_when: bool) -> tuple:
        key = (kind, language, has_link, has_when)
        if key not in self._skeletons:
            context = {"patient": SimpleNamespace(name="\x00name\x00"), "kind": kind, "clinic": self.clinic,
                       "phone": self.phone, "link": "\x00link\x00" if has_link else None,
                       "appointment_time": "\x00when\x00" if has_when else None,
                       "preferences": "\x00preferences\x00", "code": "\x00code\x00", "qr": "\x00qr\x00",
                       "start": self.start}
            with force_locale(language):
                subject = str(SUBJECTS[kind])
                text = render_template("email/reminder.txt", subject=subject, **context)
                html = render_template("email/reminder.html", subject=subject, **context)
            encoded = Header(subject, "utf-8").encode(linesep="\r\n")  # folded lines end in CRLF too
            self._skeletons[key] = ((subject, encoded), _compile(text), _compile(html))
        return self._skeletons[key]

    def _classic(self, subject, to, mid, preferences, plain, rich) -> MIMEMultipart:
        """The same message through the `email` package (for addresses that are not ASCII)."""
        message = MIMEMultipart("alternative")
        message["Subject"] = Header(subject[0], "utf-8")
        message["From"] = self.sender
        message["To"] = to
        message["Message-ID"] = mid
        message["Date"] = self.date
        message["List-Unsubscribe"] = f"<{preferences}>"
        message.attach(MIMEText(plain, "plain", "utf-8"))
        message.attach(MIMEText(rich, "html", "utf-8"))
        return message
