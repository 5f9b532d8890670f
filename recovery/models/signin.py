"""Sign-in state kept server-side: one row per signed-in browser, one per failed sign-in."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow


class UserSession(db.Model):
    """A browser signed in as a user. The cookie holds a random key; only its SHA-256 is kept, so
    the table alone signs nobody in. A session works while `revoked_at` is empty: logout, "sign
    out everywhere", ending it from the account page, a new password and deactivation set it."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Written at most once a minute (see services.user_sessions.touch), not on every request.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(64), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")


class SignInFailure(db.Model):
    """A sign-in to a known account whose password was checked and was wrong: the owner is shown
    them at their next sign-in and on the account page, and they bound the attempts per hour."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_user_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")
