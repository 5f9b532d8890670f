"""Alerts for clinicians: raised by rules on write, acknowledged with a note."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Alert, User
from . import audit
from .errors import NotFound, ValidationError

FLAG_LABELS = {
    "flag_neuro": _l("New weakness or numbness in the legs, or new bladder or bowel trouble"),
    "flag_chest": _l("Chest pain or shortness of breath"),
    "flag_infection": _l("Fever, or redness or discharge at the needle site"),
    "flag_calf": _l("New calf pain or swelling"),
}
# The same signs in a few words, for annotations on a chart.
FLAG_SHORT_LABELS = {
    "flag_neuro": _l("Leg weakness, numbness or bladder/bowel"),
    "flag_chest": _l("Chest pain or breathless"),
    "flag_infection": _l("Fever or needle-site redness"),
    "flag_calf": _l("Calf pain or swelling"),
}
EMERGENCY_FLAGS = ("flag_chest",)  # possible cement embolism: call 911


def raise_red_flag_alerts(checkin_id: int, patient_id: int, flags: list[str], now: datetime) -> list[Alert]:
    """One urgent alert per red flag on a check-in, however often the check-in is resubmitted."""
    raised = []
    if not flags:
        return raised
    existing = set(
        db.session.scalars(
            select(Alert.detail).where(Alert.checkin_id == checkin_id, Alert.kind == "red_flag")
        )
    )
    for flag in flags:
        if flag in existing:
            continue
        alert = Alert(
            patient_id=patient_id, checkin_id=checkin_id, kind="red_flag",
            detail=flag, severity="urgent", created_at=now,
        )
        try:
            with db.session.begin_nested():
                db.session.add(alert)
            raised.append(alert)
        except IntegrityError:  # raised meanwhile by a concurrent submission
            pass
    return raised


def open_alerts(patient) -> list[Alert]:
    """A patient's unacknowledged alerts, oldest first."""
    return list(
        db.session.scalars(
            select(Alert)
            .where(Alert.patient_id == patient.id, Alert.acknowledged_at.is_(None))
            .order_by(Alert.created_at)
        )
    )


def acknowledge(alert_id, clinician: User, note: str | None, now: datetime) -> Alert:
    """Close an alert, keeping who, when and the clinician's note."""
    alert = db.session.get(Alert, alert_id) if isinstance(alert_id, int) else None
    if alert is None:
        raise NotFound(alert_id)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": str(_l("Please write what you did or decided."))})
    if len(note) > 1000:
        raise ValidationError({"note": str(_l("Please keep this to %(n)s characters or fewer.", n=1000))})
    if alert.acknowledged_at is not None:
        raise ValidationError({"note": str(_l("This alert was already acknowledged."))})
    alert.acknowledged_at = now
    alert.acknowledged_by_id = clinician.id
    alert.note = note
    audit.record(clinician, "alert.acknowledge", alert.patient, now)
    db.session.flush()
    return alert
