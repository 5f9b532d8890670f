"""Accounts: creating users, checking passwords, and one-time set-password links."""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import ROLES, SetPasswordToken, User
from .errors import ValidationError
from .validate import Fields

MIN_PASSWORD_LENGTH = 10
# A fixed hash to check against when the e-mail is unknown, so both failures take as long.
_DUMMY_HASH = generate_password_hash("not-a-real-password-0000")


def find_user(login: str) -> User | None:
    """The user with this e-mail (any case), or the patient with this clinic record number."""
    login = (login or "").strip()
    if not login:
        return None
    if "@" in login:
        return db.session.scalar(select(User).where(User.email == login.lower()))
    from ..models import Patient  # a patient without e-mail logs in with their record number

    return db.session.scalar(select(User).join(Patient.user).where(Patient.record_number == login))


def check_password_policy(password: str | None, field: str = "password") -> str:
    """Return the password if it is acceptable, or raise a ValidationError for `field`."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            {field: str(_l("Use at least %(n)s characters.", n=MIN_PASSWORD_LENGTH))}
        )
    if len(password) > 200:
        raise ValidationError({field: str(_l("Use at most 200 characters."))})
    return password


def create_user(email, role, display_name, password=None) -> User:
    """Create a user; without a password they must set one through a link."""
    fields = Fields({"email": email, "role": role, "display_name": display_name})
    role = fields.choice("role", ROLES)
    email = fields.email("email", required=role != "patient")
    display_name = fields.text("display_name", 120, required=True)
    if email and find_user(email):
        fields.fail("email", _l("An account with this e-mail already exists."))
    fields.done()
    user = User(email=email, role=role, display_name=display_name)
    if password is not None:
        user.password_hash = generate_password_hash(check_password_policy(password))
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None; unknown e-mail costs the same time."""
    user = find_user(email)
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    return user if user.active else None


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_set_password_token(
    user: User, now: datetime, purpose="invite", created_by=None, revoke_others=True
) -> str:
    """Create a one-time link token; unless told otherwise, earlier unused tokens stop working."""
    for old in () if not revoke_others else db.session.scalars(
        select(SetPasswordToken).where(
            SetPasswordToken.user_id == user.id, SetPasswordToken.used_at.is_(None)
        )
    ):
        old.used_at = now
    token = secrets.token_urlsafe(32)
    hours = current_app.config["INVITE_VALID_HOURS"]
    db.session.add(
        SetPasswordToken(
            user_id=user.id,
            token_hash=_hash_token(token),
            purpose=purpose,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
            created_by_id=created_by.id if created_by else None,
        )
    )
    db.session.flush()
    return token


def token_user(token: str, now: datetime) -> User | None:
    """The user a valid, unused, unexpired token belongs to, else None."""
    row = db.session.scalar(
        select(SetPasswordToken).where(SetPasswordToken.token_hash == _hash_token(token or ""))
    )
    if row is None or row.used_at is not None or row.expires_at <= now or not row.user.active:
        return None
    return row.user


def set_password_with_token(token: str, password: str, confirm: str, now: datetime) -> User:
    """Use a token once to set a password; raise ValidationError if anything is wrong."""
    user = token_user(token, now)
    if user is None:
        raise ValidationError({"token": str(_l("This link has expired or was already used."))})
    check_password_policy(password)
    if password != confirm:
        raise ValidationError({"confirm": str(_l("The two passwords do not match."))})
    user.password_hash = generate_password_hash(password)
    row = db.session.scalar(
        select(SetPasswordToken).where(SetPasswordToken.token_hash == _hash_token(token))
    )
    row.used_at = now
    db.session.flush()
    return user
