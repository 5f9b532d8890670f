"""Set-password links: the one-time tokens (and the short codes beside them) that invitations,
staff-issued links and reset e-mails carry. Below both the account services, which spend them,
and the reminder engine, which issues them as it mails them, so neither imports the other.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update

from . import short_codes
from .extensions import db
from .models import SetPasswordToken, User


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_set_password_token(
    user: User, now: datetime, purpose="invite", created_by=None, revoke_others=True,
    valid_for: timedelta | None = None,
) -> str:
    """Create a one-time link token; unless told otherwise, earlier unused tokens stop working."""
    if revoke_others:
        revoke(user, now)
    token = secrets.token_urlsafe(32)
    valid_for = valid_for or timedelta(hours=current_app.config["INVITE_VALID_HOURS"])
    db.session.add(
        SetPasswordToken(
            user_id=user.id,
            token_hash=hash_token(token),
            code_hash=short_codes.code_hash(short_codes.code_for(token)),
            purpose=purpose,
            created_at=now,
            expires_at=now + valid_for,
            created_by_id=created_by.id if created_by else None,
        )
    )
    db.session.flush()
    return token


def revoke(user: User, now: datetime, *conditions) -> None:
    """End the user's unused set-password links (those matching `conditions`)."""
    db.session.execute(
        update(SetPasswordToken)
        .where(SetPasswordToken.user_id == user.id, SetPasswordToken.used_at.is_(None), *conditions)
        .values(used_at=now).execution_options(synchronize_session="fetch"))


def issue_reset_token(user: User, now: datetime) -> str:
    """The link a reset e-mail carries, valid PASSWORD_RESET_VALID_MINUTES from `now` (when it is
    sent). Earlier links asked for this way stop working; a link staff issued (an invitation
    or a reset they printed or handed over) keeps working: anyone can ask for a reset e-mail."""
    revoke(user, now, SetPasswordToken.purpose == "reset", SetPasswordToken.created_by_id.is_(None))
    minutes = current_app.config["PASSWORD_RESET_VALID_MINUTES"]
    return issue_set_password_token(user, now, purpose="reset", revoke_others=False,
                                    valid_for=timedelta(minutes=minutes))
