"""Signed-in sessions kept server-side, so they can be ended at once, and known devices.

Sign-in makes a row of user_sessions and puts a random key in the (signed) Flask session; the
row keeps only the key's SHA-256. Every request loads the user through that row (one indexed
query, joined with the user) and gets nobody once the row is revoked: logout, "sign out
everywhere", ending it from the account page, a new password and deactivation revoke rows, so a
copied cookie stops working the moment they happen.

A known device is a browser that signed in to an account before: it carries a cookie signed with
the app's secret naming those accounts, and a right password from it is never slowed by the
sign-in backoff (services.accounts.authenticate), so strangers failing on purpose cannot keep
the owner out.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Patient, User, UserSession
from .errors import NotFound

# Writing the last-seen time on every request would turn each page view into a write.
TOUCH_EVERY = timedelta(minutes=1)
KNOWN_DEVICE_COOKIE = "known_device"
KNOWN_DEVICE_DAYS = 365
_KNOWN_DEVICE_MAX_ACCOUNTS = 8  # a shared ward computer: the last few people who signed in on it


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start(user: User, now: datetime, user_agent: str = "", address: str = "") -> str:
    """A new live session for `user`; returns its key (for the cookie), also set on the user."""
    key = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, key_hash=digest(key), created_at=now,
                               last_seen_at=now, user_agent=(user_agent or "")[:200],
                               address=(address or "")[:64]))
    db.session.flush()
    user.session_key = key
    return key


# One statement per request: the live session's user, with what a patient's pages need.
_LIVE = (
    select(User, UserSession.id, UserSession.last_seen_at)
    .join(UserSession, UserSession.user_id == User.id)
    .where(UserSession.key_hash == bindparam("key_hash"), UserSession.revoked_at.is_(None))
    .options(joinedload(User.patient).joinedload(Patient.procedures))
)


def load(key: str, now: datetime) -> tuple[User, int | None] | None:
    """The user of the live session with this key and, if its last-seen time is older than a
    minute, the session's id to touch; None for an unknown, ended or malformed key."""
    if not key or len(key) > 100:
        return None
    row = db.session.execute(_LIVE, {"key_hash": digest(key)}).unique().first()
    if row is None:
        return None
    user, session_id, last_seen = row
    user.session_key = key
    return user, (session_id if now - last_seen >= TOUCH_EVERY else None)


def touch(session_id: int, now: datetime) -> None:
    db.session.execute(update(UserSession).where(UserSession.id == session_id)
                       .values(last_seen_at=now).execution_options(synchronize_session=False))


def current_id(user: User) -> int | None:
    """The id of the session this request is signed in with."""
    if not user.session_key:
        return None
    return db.session.scalar(select(UserSession.id).where(UserSession.key_hash == digest(user.session_key)))


def end(key: str | None, now: datetime) -> None:
    """End the session with this key (logout)."""
    if key:
        db.session.execute(update(UserSession)
                           .where(UserSession.key_hash == digest(key), UserSession.revoked_at.is_(None))
                           .values(revoked_at=now).execution_options(synchronize_session=False))


def end_one(user: User, session_id, now: datetime) -> UserSession:
    """End one of the user's own live sessions; another user's (or an ended one) is not found."""
    row = db.session.scalar(select(UserSession).where(
        UserSession.id == session_id, UserSession.user_id == user.id,
        UserSession.revoked_at.is_(None))) if isinstance(session_id, int) else None
    if row is None:
        raise NotFound(session_id)
    row.revoked_at = now
    db.session.flush()
    return row


def end_all(user: User, now: datetime) -> int:
    """End every live session of the user (sign out everywhere, new password, deactivation)."""
    result = db.session.execute(update(UserSession)
                                .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
                                .values(revoked_at=now).execution_options(synchronize_session=False))
    return result.rowcount


def live(user: User) -> list[UserSession]:
    """The user's live sessions, most recently seen first."""
    return list(db.session.scalars(
        select(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())))


def last_sign_in(user: User) -> datetime | None:
    """When the user last signed in (before a session started now), if ever."""
    return db.session.scalar(select(UserSession.created_at).where(UserSession.user_id == user.id)
                             .order_by(UserSession.created_at.desc()).limit(1))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="recovery-known-device")


def known_accounts(cookie: str | None) -> frozenset[int]:
    """The accounts this browser signed in to before, from its signed known-device cookie
    (a forged, altered or expired cookie names none)."""
    if not cookie or len(cookie) > 1000:
        return frozenset()
    try:
        data = _serializer().loads(cookie, max_age=KNOWN_DEVICE_DAYS * 86400)
    except BadSignature:
        return frozenset()
    users = data.get("u") if isinstance(data, dict) else None
    if not isinstance(users, list):
        return frozenset()
    return frozenset(u for u in users if isinstance(u, int) and not isinstance(u, bool))


def known_device_cookie(cookie: str | None, user: User) -> str:
    """The known-device cookie's new value once `user` signed in on this browser (the user first,
    then up to seven others it already named, in the order they came)."""
    before = []
    if cookie:
        try:
            data = _serializer().loads(cookie, max_age=KNOWN_DEVICE_DAYS * 86400)
            before = [u for u in data.get("u", []) if isinstance(u, int) and u != user.id]
        except (BadSignature, AttributeError, TypeError):
            before = []
    return _serializer().dumps({"u": [user.id, *before][:_KNOWN_DEVICE_MAX_ACCOUNTS],
                                "d": secrets.token_urlsafe(8)})
