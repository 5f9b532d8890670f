"""People: user accounts, patients, and one-time set-password tokens."""

from datetime import date, datetime, time

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import vocabulary
from ..extensions import db
from .timeline import current_procedure
from .types import UTCDateTime, utcnow

ROLES = vocabulary.codes(vocabulary.ROLES)
LANGUAGES = vocabulary.codes(vocabulary.LANGUAGES)
# Longest values, in characters: the columns' sizes, and what the forms and the API accept.
EMAIL_MAX = 254
NAME_MAX = 120
RECORD_NUMBER_MAX = 32
PHONE_MAX = 32
MOBILE_MAX = 16  # E.164: "+" and at most 15 digits
# How a patient's consent to texts was given (recorded with when and by whom).
SMS_CONSENT_METHODS = ("verbal", "written", "settings")


class User(UserMixin, db.Model):
    """A login: patient, clinician or staff member."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('patient', 'clinician', 'staff')", name="role"),
        # E-mails are stored lower-cased, so plain uniqueness is case-insensitive uniqueness.
        CheckConstraint("email IS NULL OR email = lower(email)", name="email_lower"),
        # Patients may have no e-mail (they log in with their record number); others may not.
        CheckConstraint("email IS NOT NULL OR role = 'patient'", name="email_required"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(EMAIL_MAX), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    display_name: Mapped[str] = mapped_column(String(NAME_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Failed sign-ins since the last success or reset link, kept in the database so every process
    # sees them; from LOGIN_BACKOFF_AFTER of them on, a sign-in from a device that never signed in
    # to this account waits until `backoff_until` (services.accounts.authenticate). The column
    # keeps the name of the lock it replaced (renaming it would rebuild the table on SQLite).
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    backoff_until: Mapped[datetime | None] = mapped_column("locked_until", UTCDateTime)

    patient: Mapped["Patient | None"] = relationship(
        back_populates="user", foreign_keys="Patient.user_id"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users at login and per request
        return self.active

    # The session this request was signed in with ("<key>" in the cookie); set at sign-in and by
    # the user loader, so Flask-Login stores and reads the session key, never a bare user id.
    session_key = None

    # Rows are equal when they are the same row (the session's identity map), not when
    # get_id() agrees as UserMixin would have it: get_id() names a session now.
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    def get_id(self) -> str:
        """What the signed session cookie holds: a random key naming a row of user_sessions, so
        ending that row (logout, sign out everywhere, a new password) ends the session at once."""
        if not self.session_key:
            raise RuntimeError("sign in through services.user_sessions.start")
        return self.session_key


class Patient(db.Model):
    """A person followed after vertebral augmentation."""

    __tablename__ = "patients"
    __table_args__ = (
        CheckConstraint("preferred_language IN ('en', 'es')", name="language"),
        CheckConstraint("reminder_time BETWEEN '08:00:00' AND '20:30:00.000000'", name="reminder_time"),
        CheckConstraint("sms_consent_method IS NULL OR "
                        "sms_consent_method IN ('verbal', 'written', 'settings')", name="sms_consent_method"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    record_number: Mapped[str] = mapped_column(String(RECORD_NUMBER_MAX), unique=True)
    date_of_birth: Mapped[date]
    phone: Mapped[str] = mapped_column(String(PHONE_MAX))
    caregiver_name: Mapped[str | None] = mapped_column(String(NAME_MAX))
    caregiver_phone: Mapped[str | None] = mapped_column(String(PHONE_MAX))
    preferred_language: Mapped[str] = mapped_column(String(8), default="en")
    timezone: Mapped[str] = mapped_column(String(64))
    # A zone change applies to the check-in day from the next local day: until `timezone_from`
    # the days are still counted in `previous_timezone` (see checkins.local_today).
    previous_timezone: Mapped[str | None] = mapped_column(String(64))
    timezone_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    clinician_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    discharged: Mapped[bool] = mapped_column(default=False)
    # Reminder preferences: e-mail on/off and the local time of the daily nudge (08:00-20:30).
    email_reminders: Mapped[bool] = mapped_column(default=True, server_default=true())
    reminder_time: Mapped[time] = mapped_column(default=time(18, 0), server_default="18:00:00")
    # Texts (reminders/channels/sms.py): an optional mobile number in E.164, for texts only (the
    # required `phone` is for calls and is often a landline); consent with when, how and by whom;
    # the patient's choice of texts; `sms_opted_out` mirrors the number's row in sms_opt_outs
    # (kept by reminders/texts.py, so reachability reads the patient's row alone); `sms_paused_at`
    # is set when the provider reported the number permanently undeliverable (staff fix it).
    mobile: Mapped[str | None] = mapped_column(String(MOBILE_MAX), index=True)
    sms_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sms_consent_method: Mapped[str | None] = mapped_column(String(16))
    sms_consent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sms_reminders: Mapped[bool] = mapped_column(default=False, server_default=false())
    sms_opted_out: Mapped[bool] = mapped_column(default=False, server_default=false())
    sms_paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the mail server refused the address for good (5xx: no such mailbox); no reminder
    # e-mail goes until staff save a working address (reminders/channels/email.py).
    email_paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="patient", foreign_keys=[user_id])
    clinician: Mapped[User | None] = relationship(foreign_keys=[clinician_id])
    sms_consent_by: Mapped[User | None] = relationship(foreign_keys=[sms_consent_by_id])
    procedures: Mapped[list["Procedure"]] = relationship(  # noqa: F821
        back_populates="patient", order_by="[Procedure.performed_at, Procedure.id]"
    )

    @property
    def name(self) -> str:
        return self.user.display_name

    @property
    def email(self) -> str | None:
        """The patient's e-mail is their account's: one place, so the two never disagree."""
        return self.user.email

    @property
    def current_procedure(self):
        """The procedure the patient is recovering from now (timeline.current_procedure)."""
        return current_procedure(self.procedures)


class SetPasswordToken(db.Model):
    """A one-time, expiring link that lets a user choose a password; only its hash is kept."""

    __tablename__ = "set_password_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # An HMAC of the short code typed at /start (recovery/short_codes); same row, same fate.
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))  # invite or reset
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
