"""Accounts: creating users, checking passwords, and one-time set-password links."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from .. import short_codes
from ..extensions import db
from ..models import EMAIL_MAX, NAME_MAX, ROLES, SetPasswordToken, SignInFailure, User
from ..reminders import outbox
from ..set_password_links import (  # noqa: F401  (issue_*: re-exported)
    hash_token,
    issue_reset_token,
    issue_set_password_token,
    revoke,
)
from . import user_sessions
from .errors import ValidationError
from .passwords import MIN_PASSWORD_LENGTH, check_password_policy  # noqa: F401  (re-exported)
from .validate import Fields

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


def create_user(email, role, display_name, password=None) -> User:
    """Create a user; without a password they must set one through a link."""
    fields = Fields({"email": email, "role": role, "display_name": display_name})
    role = fields.choice("role", ROLES)
    email = fields.email("email", required=role != "patient")
    display_name = fields.text("display_name", NAME_MAX, required=True)
    if email and find_user(email):
        fields.fail("email", _l("An account with this e-mail already exists."))
    fields.done()
    user = User(email=email, role=role, display_name=display_name)
    if password is not None:
        user.password_hash = generate_password_hash(check_password_policy(password))
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(login: str, password: str, now: datetime | None = None, *,
                 known_accounts: frozenset[int] = frozenset(), address: str = "",
                 user_agent: str = "") -> User | None:
    """The active user with these credentials, or None.

    Every failure looks and costs the same: one password hash is checked whether the login is
    unknown, the password wrong or the account slowed down, and the caller shows one message.

    No account is ever locked against its owner. Wrong passwords are counted on the account in
    the database (so the count holds across processes and addresses); from LOGIN_BACKOFF_AFTER
    in a row on, each one makes the next attempt wait 1, 2, 4 ... seconds, at most
    LOGIN_BACKOFF_MAX_SECONDS, and more than LOGIN_ACCOUNT_FAILURES_PER_HOUR in an hour make
    attempts wait until the hour's count drops: during either wait a password is refused
    unchecked, and not counted, UNLESS it comes from a device that signed in to this account
    before (`known_accounts`, from the known-device cookie): there the right password always
    gets in. A reset link (set_password_with_token) and a success end the backoff.
    Each counted failure is kept with its address for the owner to see (recent_failures).
    """
    now = now or datetime.now(UTC)
    user = find_user(login)
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    matches = check_password_hash(user.password_hash, password or "")
    if user.id not in known_accounts and _waiting(user, now):
        current_app.logger.warning("sign-in to user %s refused during backoff (from %s)", user.id,
                                   address or "?")
        return None  # slowed down: even the right password waits, and nothing is counted
    if not matches:
        _count_failure(user, now, address, user_agent)
        return None
    if not user.active:
        return None
    end_backoff(user)
    db.session.flush()
    return user


def _waiting(user: User, now: datetime) -> bool:
    """True while sign-ins to this account from unknown devices must wait."""
    if user.backoff_until is not None and user.backoff_until > now:
        return True
    hourly = current_app.config["LOGIN_ACCOUNT_FAILURES_PER_HOUR"]
    recent = db.session.scalar(select(func.count()).select_from(SignInFailure).where(
        SignInFailure.user_id == user.id, SignInFailure.at > now - timedelta(hours=1)))
    return recent >= hourly


def _count_failure(user: User, now: datetime, address: str, user_agent: str) -> None:
    config = current_app.config
    # Increment in SQL, so two processes counting at once both count.
    db.session.execute(
        update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1)
    )
    db.session.refresh(user)
    beyond = user.failed_logins - config["LOGIN_BACKOFF_AFTER"]
    if beyond >= 0:
        wait = min(2 ** min(beyond, 30), config["LOGIN_BACKOFF_MAX_SECONDS"])
        user.backoff_until = now + timedelta(seconds=wait)
    db.session.add(SignInFailure(user_id=user.id, at=now, address=(address or "")[:64],
                                 user_agent=(user_agent or "")[:200]))
    current_app.logger.warning("failed sign-in to user %s from %s (%s in a row)", user.id,
                               address or "?", user.failed_logins)
    db.session.flush()


def end_backoff(user: User) -> None:
    """Forget the failures in a row and any wait, e.g. after the owner proved their e-mail by a
    reset link (the failures stay listed for the owner)."""
    user.failed_logins = 0
    user.backoff_until = None


@dataclass(frozen=True)
class Failures:
    """Failed sign-ins to an account since a moment: how many, and the last one."""

    count: int
    last_at: datetime | None
    last_address: str


def recent_failures(user: User, since: datetime | None) -> Failures:
    """The failed sign-ins to `user` after `since` (all of them if None)."""
    conditions = [SignInFailure.user_id == user.id]
    if since is not None:
        conditions.append(SignInFailure.at > since)
    count = db.session.scalar(select(func.count()).select_from(SignInFailure).where(*conditions))
    last = db.session.scalar(select(SignInFailure).where(*conditions)
                             .order_by(SignInFailure.at.desc(), SignInFailure.id.desc()).limit(1))
    return Failures(count, last.at if last else None, last.address if last else "")


def failure_list(user: User, limit: int = 20) -> list[SignInFailure]:
    """The user's latest failed sign-ins, newest first."""
    return list(db.session.scalars(select(SignInFailure).where(SignInFailure.user_id == user.id)
                                   .order_by(SignInFailure.at.desc(), SignInFailure.id.desc()).limit(limit)))


def deactivate(user: User, now: datetime) -> None:
    """Close an account: it cannot sign in, its sessions end at once, its links stop working."""
    user.active = False
    user_sessions.end_all(user, now)
    revoke(user, now)
    db.session.flush()


def token_user(token: str, now: datetime) -> User | None:
    """The user a valid, unused, unexpired token belongs to, else None."""
    row = db.session.scalar(
        select(SetPasswordToken).where(SetPasswordToken.token_hash == hash_token(token or ""))
    )
    if row is None or row.used_at is not None or row.expires_at <= now or not row.user.active:
        return None
    return row.user


def set_password_with_token(token: str, password: str, confirm: str, now: datetime) -> User:
    """Use a token once to set a password; raise ValidationError if anything is wrong.

    The token is spent by one conditional UPDATE (... WHERE used_at IS NULL): of several
    requests using one link at once exactly one changes a row and sets its password; the
    others raise ValidationError under "used" (PostgreSQL makes them wait for the first one's
    row lock, then finds the row used; SQLite runs one writer at a time).
    """
    user = token_user(token, now)
    if user is None:
        raise ValidationError({"token": str(_l("This link has expired or was already used."))})
    return _spend_and_set(user, SetPasswordToken.token_hash == hash_token(token), password, confirm, now)


def _spend_and_set(user: User, which, password: str, confirm: str, now: datetime) -> User:
    """Check the new password, spend the row `which` picks (once), and set the password."""
    check_password_policy(password)
    if password != confirm:
        raise ValidationError({"confirm": str(_l("The two passwords do not match."))})
    password_hash = generate_password_hash(password)  # slow on purpose: before the write begins
    spent = db.session.execute(
        update(SetPasswordToken)
        .where(which, SetPasswordToken.used_at.is_(None), SetPasswordToken.expires_at > now)
        .values(used_at=now).execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        raise ValidationError({"used": str(_l("This link was already used."))})
    user.password_hash = password_hash
    end_backoff(user)  # the link proves the owner's e-mail
    user_sessions.end_all(user, now)  # a new password ends every session, here and elsewhere
    db.session.flush()
    return user


def short_code_user(code: str | None, date_of_birth, now: datetime, *, address: str = "",
                    user_agent: str = "") -> User | None:
    """The patient a short code and date of birth open, or None: one answer for every failure.

    A code that matches no row is left to the per-address limit of /start (nothing names an
    account, so nothing is counted on one). A code that matches a row counts on that account,
    exactly like a wrong password (see authenticate), when the row is used, expired or closed or
    the date of birth differs; while the account is slowed down, every attempt is refused
    unchecked and not counted. Only someone holding the code can slow its account, and only by
    waits; the link itself (letter, e-mail, QR) keeps working all along.
    """
    normal = short_codes.normalize(code)
    row = None
    if normal is not None:
        row = db.session.scalar(select(SetPasswordToken).where(
            SetPasswordToken.code_hash == short_codes.code_hash(normal)))
    if row is None:
        return None
    user = row.user
    if _waiting(user, now):
        current_app.logger.warning("short code for user %s refused during backoff (from %s)", user.id,
                                   address or "?")
        return None
    patient = user.patient
    usable = row.used_at is None and row.expires_at > now and user.active
    if not usable or patient is None or date_of_birth is None or patient.date_of_birth != date_of_birth:
        _count_failure(user, now, address, user_agent)
        return None
    return user


def set_password_with_code(code: str, date_of_birth, password: str, confirm: str, now: datetime, *,
                           address: str = "", user_agent: str = "") -> User:
    """Use a short code (with the date of birth) once to set a password: the same row as the
    link, so this spends the link too. ValidationError "code" for any wrong code or date."""
    user = short_code_user(code, date_of_birth, now, address=address, user_agent=user_agent)
    if user is None:
        raise ValidationError({"code": "refused"})
    which = SetPasswordToken.code_hash == short_codes.code_hash(short_codes.normalize(code))
    return _spend_and_set(user, which, password, confirm, now)


def request_password_reset(email: str, now: datetime) -> None:
    """Put a reset e-mail for the active account with this e-mail in the outbox; the scheduler
    sends it (with a fresh link, see issue_reset_token) within a minute.

    The request does the same work whether or not the address has an account, so neither its
    answer nor its timing tells a stranger which addresses do: one lookup and one outbox row,
    for nobody (already cancelled) when no active account uses the address. No token, no SMTP.
    """
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > EMAIL_MAX:
        email = ""  # the form refuses these; the same two statements all the same
    user_id = db.session.scalar(select(User.id).where(User.email == email, User.active.is_(True)))
    outbox.enqueue_reset(user_id, now)
