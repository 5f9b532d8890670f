"""Personal API tokens: a bearer secret per user, kept only as its SHA-256."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

TOKEN_NAME_MAX = 80  # an API token's name, in characters


class ApiToken(db.Model):
    """A token a user made for a script or app; shown once, usable until revoked.

    The secret is 32 random bytes, so a plain SHA-256 is enough to make a stolen table
    useless, and one indexed equality finds it: no slow password hash on every request.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(TOKEN_NAME_MAX))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
