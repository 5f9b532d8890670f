"""Reading the audit trail: who viewed or changed which record, filtered, newest first, one query."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import AuditEvent, Patient, User
from .validate import Fields, record_id

LIMIT = 200


@dataclass(frozen=True)
class AuditFilters:
    """Validated filters; None means "any". Dates are clinic calendar days, both ends included."""

    patient_id: int | None = None
    actor_id: int | None = None
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class AuditRow:
    """One audit event with the names a person recognises."""

    id: int
    at: datetime
    action: str
    ip_address: str | None
    actor_id: int | None
    actor_name: str | None
    actor_email: str | None
    actor_role: str | None
    patient_id: int | None
    patient_name: str | None
    record_number: str | None
    detail: str | None = None


@dataclass(frozen=True)
class AuditListing:
    """The newest events that match (up to the limit) and whether older ones were left out."""

    rows: list[AuditRow]
    truncated: bool
    limit: int


def parse_filters(data) -> AuditFilters:
    """Validate the audit page's filters; raise ValidationError with a message per bad field."""
    fields = Fields(data)
    values = {
        "patient_id": _patient(fields),
        "actor_id": _user(fields),
        "start": fields.day("from", required=False),
        "end": fields.day("to", required=False),
    }
    if values["start"] and values["end"] and values["end"] < values["start"]:
        fields.fail("to", _l("The end date is before the start date."))
    fields.done()
    return AuditFilters(**values)


def _patient(fields: Fields) -> int | None:
    """A patient by record number (any case) or, failing that, by their number in Recovery."""
    text = fields.raw("patient")
    if not text:
        return None
    found = db.session.scalar(select(Patient.id).where(func.upper(Patient.record_number) == text.upper()))
    if found is None and record_id(text) is not None:
        found = db.session.scalar(select(Patient.id).where(Patient.id == record_id(text)))
    if found is None:
        fields.fail("patient", _l("No patient has the record number or number “%(value)s”.", value=text[:40]))
    return found


def _user(fields: Fields) -> int | None:
    """A user by e-mail address (any case) or by their number in Recovery."""
    text = fields.raw("user")
    if not text:
        return None
    if "@" in text:
        found = db.session.scalar(select(User.id).where(User.email == text.lower()))
    elif record_id(text) is not None:
        found = db.session.scalar(select(User.id).where(User.id == record_id(text)))
    else:
        fields.fail("user", _l("Enter the user's e-mail address or their number."))
        return None
    if found is None:
        fields.fail("user", _l("No user has the e-mail address or number “%(value)s”.", value=text[:60]))
    return found


def list_events(filters: AuditFilters = AuditFilters(), clinic_tz: str | None = None,
                limit: int = LIMIT) -> AuditListing:
    """Matching events with actor and patient names, newest first, in one query."""
    zone = ZoneInfo(clinic_tz or current_app.config["CLINIC_TIMEZONE"])
    actor, patient_user = aliased(User), aliased(User)
    stmt = (
        select(AuditEvent.id, AuditEvent.at, AuditEvent.action, AuditEvent.ip_address, AuditEvent.actor_id,
               actor.display_name.label("actor_name"), actor.email.label("actor_email"),
               actor.role.label("actor_role"), AuditEvent.patient_id,
               patient_user.display_name.label("patient_name"), Patient.record_number,
               AuditEvent.detail)
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .outerjoin(Patient, Patient.id == AuditEvent.patient_id)
        .outerjoin(patient_user, patient_user.id == Patient.user_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit + 1)  # one more tells whether the list was cut
    )
    if filters.patient_id is not None:
        stmt = stmt.where(AuditEvent.patient_id == filters.patient_id)
    if filters.actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == filters.actor_id)
    if filters.start is not None:
        stmt = stmt.where(AuditEvent.at >= _midnight(filters.start, zone))
    if filters.end is not None:
        stmt = stmt.where(AuditEvent.at < _midnight(filters.end + timedelta(days=1), zone))
    rows = [AuditRow(**row._mapping) for row in db.session.execute(stmt)]
    return AuditListing(rows[:limit], len(rows) > limit, limit)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)
