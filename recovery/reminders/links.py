"""Links carried by reminder e-mails: a one-time check-in link and a signed unsubscribe link."""

import hashlib
import json
import secrets
from collections.abc import Callable
from datetime import date, datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from sqlalchemy import insert, select, update

from ..extensions import db
from ..models import CheckinLink, Patient

CHECKIN_LINK_HOURS = 24
UNSUBSCRIBE_MAX_AGE = timedelta(days=120)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_checkin_link(patient: Patient, for_date: date, now: datetime) -> str:
    """A single-use token that opens this patient's check-in for `for_date`, valid 24 hours."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        CheckinLink(
            patient_id=patient.id, token_hash=_hash(token), for_date=for_date, created_at=now,
            expires_at=now + timedelta(hours=CHECKIN_LINK_HOURS),
        )
    )
    db.session.flush()
    return token

def issue_checkin_links(wanted: list[tuple[int, date]], now: datetime, nbytes: int = 32,
                        reminder_ids: list[int] | None = None) -> list[str]:
    """issue_checkin_link for many (patient id, day) pairs at once: one multi-row insert.
    `nbytes`: the token's randomness (texts carry 16 bytes, 22 characters: a text's room is short).
    `reminder_ids`: the reminder each link goes out in (the ledger's "opened" and "answered")."""
    tokens = [secrets.token_urlsafe(nbytes) for _ in wanted]
    carriers = reminder_ids if reminder_ids is not None else [None] * len(wanted)
    if wanted:
        expires = now + timedelta(hours=CHECKIN_LINK_HOURS)
        db.session.execute(insert(CheckinLink.__table__), [
            {"patient_id": patient_id, "token_hash": _hash(token), "for_date": day, "created_at": now,
             "expires_at": expires, "reminder_id": reminder_id}
            for (patient_id, day), token, reminder_id in zip(wanted, tokens, carriers, strict=True)])
    return tokens


def checkin_link(token: str, now: datetime) -> CheckinLink | None:
    """The unused, unexpired link for `token`, or None."""
    link = db.session.scalar(select(CheckinLink).where(CheckinLink.token_hash == _hash(token or "")))
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    return link


def use_checkin_link(link: CheckinLink, now: datetime) -> bool:
    """Mark the link used; False if another request used it first (so it works once)."""
    result = db.session.execute(
        update(CheckinLink)
        .where(CheckinLink.id == link.id, CheckinLink.used_at.is_(None))
        .values(used_at=now)
    )
    return result.rowcount == 1


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="reminder-preferences")


def unsubscribe_token(patient: Patient) -> str:
    """A signed token naming the patient, for the e-mail's unsubscribe link."""
    return _serializer().dumps(patient.id)


def unsubscribe_signer() -> Callable[[int], str]:
    """unsubscribe_token by patient id, for a whole sweep: the signer is made once and the
    payload (the id as JSON, base64) written directly, the same token as `dumps` at a
    fifteenth of the cost."""
    signer = _serializer().make_signer()
    return lambda patient_id: signer.sign(base64_encode(json.dumps(patient_id))).decode()


def patient_from_unsubscribe(token: str) -> Patient | None:
    """The patient a valid, unexpired unsubscribe token names, else None (never why)."""
    try:
        patient_id = _serializer().loads(token, max_age=int(UNSUBSCRIBE_MAX_AGE.total_seconds()))
    except BadSignature:
        return None
    return db.session.get(Patient, patient_id) if isinstance(patient_id, int) else None
