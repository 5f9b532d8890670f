"""Alerts for clinicians: raised by rules on write, acknowledged with a note."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..database import begin_write
from ..display import local_datetime
from ..extensions import db
from ..models import ALERT_NOTE_MAX, Alert, AlertNote, User
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


@dataclass
class Acknowledgement:
    """What acknowledging did: closed the alert, or (someone had closed it first) kept the note
    as a follow-up on it. Either way the caller commits: no note is ever dropped."""

    alert: Alert
    follow_up: AlertNote | None = None

    @property
    def already_closed(self) -> bool:
        return self.follow_up is not None

    def conflict_message(self) -> str:
        """Who closed the alert first and when, and that this note was kept (for a follow-up)."""
        alert, when = self.alert, local_datetime(self.alert.acknowledged_at)
        if alert.acknowledged_by is not None:
            first = _("This alert was already acknowledged by %(who)s at %(when)s.",
                      who=alert.acknowledged_by.display_name, when=when)
        else:
            first = _("This alert was already closed automatically at %(when)s.", when=when)
        return first + " " + _("Your note was added to it as a follow-up.")


def acknowledge(alert_id, clinician: User, note: str | None, now: datetime) -> Acknowledgement:
    """Close an alert, keeping who, when and the clinician's note.

    The check and the write are one statement (UPDATE ... WHERE still open), so of two clinicians
    acknowledging at once exactly one closes it; the other's note is kept as a follow-up and the
    result says who closed it first and when.
    """
    alert = db.session.get(Alert, alert_id) if isinstance(alert_id, int) else None
    if alert is None:
        raise NotFound(alert_id)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": str(_l("Please write what you did or decided."))})
    if len(note) > ALERT_NOTE_MAX:
        raise ValidationError({"note": str(_l("Please keep this to %(n)s characters or fewer.",
                                              n=ALERT_NOTE_MAX))})
    begin_write(db.session)  # SQLite: the write lock now; PostgreSQL: the UPDATE waits on the row
    closed = db.session.execute(
        update(Alert).where(Alert.id == alert.id, Alert.acknowledged_at.is_(None))
        .values(acknowledged_at=now, acknowledged_by_id=clinician.id, note=note)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(alert)  # as stored now: by whom and when it was closed
    if closed:
        audit.record(clinician, "alert.acknowledge", alert.patient, now)
        return Acknowledgement(alert)
    follow_up = AlertNote(alert_id=alert.id, author_id=clinician.id, created_at=now, note=note)
    db.session.add(follow_up)
    audit.record(clinician, "alert.follow_up", alert.patient, now)
    return Acknowledgement(alert, follow_up)
