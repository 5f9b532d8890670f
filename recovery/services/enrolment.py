"""Enrolment: staff create a patient and their account, search, and discharge."""

import re
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, selectinload

from ..extensions import db
from ..models import LANGUAGES, NAME_MAX, RECORD_NUMBER_MAX, Appointment, Patient, SetPasswordToken, User
from ..reminders import outbox, texts
from . import audit, triage
from .accounts import create_user, find_user, issue_set_password_token
from .errors import NotFound, ValidationError
from .validate import Fields

RECORD_NUMBER = re.compile(r"^[A-Za-z0-9-]{3,32}$")
SMS_CONSENT_GIVEN = ("verbal", "written")  # how staff saw the patient agree to texts


def enrol_patient(data, actor: User, now: datetime) -> tuple[Patient, str]:
    """Create a patient and their account; return it with a one-time set-password token."""
    fields = Fields(data)
    name = fields.text("display_name", NAME_MAX, required=True)
    email = fields.email("email", required=False)
    record_number = fields.text("record_number", RECORD_NUMBER_MAX, required=True)
    dob = fields.day("date_of_birth")
    phone = fields.phone("phone")
    caregiver_name = fields.text("caregiver_name", NAME_MAX)
    caregiver_phone = fields.phone("caregiver_phone", required=False)
    mobile = fields.mobile("mobile", current_app.config["CLINIC_COUNTRY"])
    consent = fields.choice("sms_consent", SMS_CONSENT_GIVEN, required=False)
    language = fields.choice("preferred_language", LANGUAGES, default="en")
    tz = fields.timezone("timezone", current_app.config["CLINIC_TIMEZONE"])
    clinician_id = fields.integer("clinician_id", 1, 2**31 - 1, required=False)

    if record_number and not RECORD_NUMBER.match(record_number):
        fields.fail("record_number", _l("Use 3 to 32 letters, digits or dashes."))
    elif record_number and _record_number_taken(record_number):
        fields.fail("record_number", _l("A patient with this record number already exists."))
    if dob and (dob >= now.date() or dob < date(1900, 1, 1)):
        fields.fail("date_of_birth", _l("Please enter a date of birth in the past."))
    if email and find_user(email):
        fields.fail("email", _l("An account with this e-mail already exists."))
    if consent and not mobile and "mobile" not in fields.errors:
        fields.fail("sms_consent", _l("Enter the mobile number the patient agreed to get texts on."))
    clinician = _clinician(fields, clinician_id)
    fields.done()

    try:
        # A savepoint: a concurrent enrolment that took the e-mail or record number between
        # our checks and this insert becomes the same message, not a server error.
        with db.session.begin_nested():
            user = create_user(email, "patient", name)
            patient = Patient(
                user=user,
                record_number=record_number,
                date_of_birth=dob,
                phone=phone,
                caregiver_name=caregiver_name,
                caregiver_phone=caregiver_phone,
                preferred_language=language,
                timezone=tz,
                clinician=clinician,
                created_at=now,
                mobile=mobile,
                # Consent on record: when, how and by whom. Texts by default for a patient who has
                # no e-mail; with one, e-mail stays the default and the patient may add texts.
                sms_consent_at=now if consent else None,
                sms_consent_method=consent,
                sms_consent_by_id=actor.id if consent else None,
                sms_reminders=bool(consent) and not email,
                sms_opted_out=bool(mobile) and texts.opted_out(mobile),
            )
            db.session.add(patient)
    except IntegrityError:
        raise ValidationError(
            {"record_number": str(_l("A patient with this record number or e-mail already exists."))}
        ) from None
    token = issue_set_password_token(user, now, "invite", created_by=actor)
    outbox.enqueue_invite(patient, now)
    audit.record(actor, "patient.enrol", patient, now)
    return patient, token


def _record_number_taken(record_number: str) -> bool:
    # Compared without case: "mrn-7" and "MRN-7" on two letters would only confuse people.
    taken = select(Patient.id).where(func.upper(Patient.record_number) == record_number.upper())
    return db.session.scalar(taken) is not None


def _clinician(fields: Fields, clinician_id: int | None) -> User | None:
    if clinician_id is None:
        return None
    user = db.session.get(User, clinician_id)
    if user is None or user.role != "clinician" or not user.active:
        fields.fail("clinician_id", _l("Please choose one of the clinic's clinicians."))
        return None
    return user


def clinicians() -> list[User]:
    """Active clinicians, for the assignment drop-down."""
    return list(
        db.session.scalars(
            select(User).where(User.role == "clinician", User.active).order_by(User.display_name)
        )
    )


def get_patient(patient_id) -> Patient:
    """The patient with this id, or NotFound."""
    patient = db.session.get(Patient, patient_id) if isinstance(patient_id, int) else None
    if patient is None:
        raise NotFound(patient_id)
    return patient


@dataclass(frozen=True)
class Listed:
    """A row of the staff patient table: the patient and their next scheduled visit (or None)."""

    patient: Patient
    next_visit: datetime | None


def search_patients(query: str | None, now: datetime, limit: int = 100) -> list[Listed]:
    """Patients whose name, record number, phone or e-mail contains the query, each with the
    time of their next scheduled appointment after `now` (in the same query)."""
    next_visit = (
        select(func.min(Appointment.scheduled_for))
        .where(Appointment.patient_id == Patient.id, Appointment.status == "scheduled",
               Appointment.scheduled_for > now)
        .correlate(Patient)
        .scalar_subquery()
    )
    stmt = (
        select(Patient, next_visit)
        .join(Patient.user)
        .options(contains_eager(Patient.user), selectinload(Patient.procedures))
        .order_by(func.lower(User.display_name), Patient.id)
        .limit(limit)
    )
    query = (query or "").strip()
    if query:
        # Escape LIKE's wildcards so "%" or "_" typed in the box match themselves.
        escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped.lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(User.display_name).like(like, escape="\\"),
                func.lower(Patient.record_number).like(like, escape="\\"),
                Patient.phone.like(f"%{escaped}%", escape="\\"),
                User.email.like(like, escape="\\"),
            )
        )
    return [Listed(patient, when) for patient, when in db.session.execute(stmt)]


def issue_link(patient: Patient, actor: User, now: datetime) -> str:
    """A fresh invite (no password yet) or password-reset token; older links stop working."""
    purpose = "reset" if patient.user.password_hash else "invite"
    token = issue_set_password_token(patient.user, now, purpose, created_by=actor)
    if purpose == "invite":
        outbox.enqueue_invite(patient, now)
    audit.record(actor, f"patient.{purpose}_link", patient, now)
    return token


def open_link(user: User, now: datetime) -> SetPasswordToken | None:
    """The user's newest set-password link that still works, if any."""
    return db.session.scalar(
        select(SetPasswordToken)
        .where(
            SetPasswordToken.user_id == user.id,
            SetPasswordToken.used_at.is_(None),
            SetPasswordToken.expires_at > now,
        )
        .order_by(SetPasswordToken.created_at.desc(), SetPasswordToken.id.desc())
        .limit(1)
    )


@dataclass
class AccountStatus:
    """Where a patient's account stands: active, password chosen, a link waiting to be used."""

    active: bool
    password_set: bool
    link: SetPasswordToken | None

    @property
    def invite_pending(self) -> bool:
        return not self.password_set and self.link is not None


def account_status(patient: Patient, now: datetime) -> AccountStatus:
    """The state of a patient's login, for the staff page."""
    user = patient.user
    return AccountStatus(user.active, bool(user.password_hash), open_link(user, now))


def update_email(patient: Patient, data, actor: User, now: datetime) -> None:
    """Staff save the patient's e-mail address (after a call, when e-mails to the old one
    bounced). Saving ends a pause: staff have checked the address. Refused, by field, with
    nothing changed: a malformed address, or one another account has."""
    fields = Fields(data)
    email = fields.email("email", required=True)
    if email and email != patient.user.email and find_user(email):
        fields.fail("email", _l("An account with this e-mail already exists."))
    fields.done()
    patient.user.email = email
    if patient.email_paused_at is not None:  # the e-mails its pause cancelled come back
        patient.email_paused_at = None
        outbox.revive([patient.id], "email", now)
    outbox.sync_patient(patient, now)
    audit.record(actor, "patient.email", patient, now)


def update_texts(patient: Patient, data, actor: User, now: datetime) -> None:
    """Staff set the patient's mobile number and consent to texts (after a call, say, when texts
    to the old number failed). Saving clears a pause: staff have checked the number. Consent is
    recorded afresh (when, how, by whom) when it is given now or the number changes; without it
    no text goes. Refused, by field, with nothing changed: a malformed number, consent without one."""
    fields = Fields(data)
    mobile = fields.mobile("mobile", current_app.config["CLINIC_COUNTRY"])
    own = ("settings",) if patient.sms_consent_method == "settings" else ()  # kept as the patient gave it
    consent = fields.choice("sms_consent", SMS_CONSENT_GIVEN + own, required=False)
    if consent and not mobile and "mobile" not in fields.errors:
        fields.fail("sms_consent", _l("Enter the mobile number the patient agreed to get texts on."))
    elif consent == "settings" and mobile != patient.mobile:
        fields.fail("sms_consent", _l("The patient agreed to texts on their old number: ask them again."))
    fields.done()
    changed_number = mobile != patient.mobile
    patient.mobile = mobile
    patient.sms_paused_at = None
    patient.sms_opted_out = bool(mobile) and texts.opted_out(mobile)
    if not consent:
        patient.sms_consent_at = patient.sms_consent_method = patient.sms_consent_by_id = None
        patient.sms_reminders = False
    elif changed_number or patient.sms_consent_at is None or consent != patient.sms_consent_method:
        if patient.sms_consent_at is None:
            patient.sms_reminders = patient.sms_reminders or not patient.email
        patient.sms_consent_at, patient.sms_consent_method, patient.sms_consent_by_id = now, consent, actor.id
    outbox.sync_patient(patient, now)
    audit.record(actor, "patient.texts", patient, now)


def discharge_patient(patient: Patient, actor: User, now: datetime) -> None:
    """Mark a patient discharged from follow-up; their history stays."""
    if patient.discharged:
        raise ValidationError({"discharged": str(_l("This patient is already discharged."))})
    patient.discharged = True
    audit.record(actor, "patient.discharge", patient, now)
    db.session.flush()
    outbox.sync_patient(patient, now)  # nothing more is sent to a discharged patient
    triage.evaluate_patient(patient, now)
