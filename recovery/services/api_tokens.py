"""Personal API tokens: create (the secret is shown once), list, revoke, and find one per request."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import TOKEN_NAME_MAX, ApiToken, User
from .errors import NotFound
from .validate import Fields

PREFIX = "rcv_"  # lets people (and secret scanners) recognise a Recovery token
MAX_ACTIVE = 20
# Writing the last-use time on every request would turn each read into a write; a minute is enough.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class NewToken:
    """A token just made: the only moment its secret exists outside the caller's hands."""

    token: ApiToken
    secret: str


def digest(secret: str) -> str:
    """The SHA-256 hex of a token, as stored."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(user: User, data, now: datetime) -> NewToken:
    """Make a token for `user` named by `data["name"]`; return it with its secret."""
    fields = Fields(data)
    name = fields.text("name", TOKEN_NAME_MAX, required=True)
    if len(active_tokens(user)) >= MAX_ACTIVE:
        fields.fail("name", _l("You have %(n)s tokens; revoke one you no longer use first.", n=MAX_ACTIVE))
    fields.done()
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=digest(secret), created_at=now)
    db.session.add(token)
    db.session.flush()
    return NewToken(token, secret)


def user_tokens(user: User) -> list[ApiToken]:
    """Every token of the user, active ones first, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def active_tokens(user: User) -> list[ApiToken]:
    """The user's tokens that still work."""
    return [t for t in user_tokens(user) if t.is_active]


def revoke(user: User, token_id, now: datetime) -> ApiToken:
    """Revoke one of the user's own tokens; another user's id is simply not found."""
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    ) if isinstance(token_id, int) else None
    if token is None:
        raise NotFound(token_id)
    if token.revoked_at is None:
        token.revoked_at = now
        db.session.flush()
    return token


def authenticate(secret: str | None, now: datetime) -> User | None:
    """The active user whose unrevoked token this is, or None; notes when it was last used."""
    if not secret:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        token.last_used_at = now
        db.session.flush()
    return token.user
