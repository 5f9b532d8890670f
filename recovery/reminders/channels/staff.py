"""A staff call task (and a clinician alert) when a patient missed the 72-hour check."""

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import Alert, CallTask

name = "staff"
label = _l("Staff task")
patient_facing = False
local = True
CALL_DEADLINE = timedelta(hours=24)


def reachable(contact) -> bool:
    return False  # not a patient's channel: the rules plan the escalation themselves


def prepare(batch: list, now: datetime) -> list:
    return [(row, now) for row in batch]


def hand_over(run, item) -> None:
    """A call task for staff and an alert for the clinicians, once per appointment."""
    row, now = item
    try:
        with db.session.begin_nested():
            db.session.add(CallTask(patient_id=row.patient_id, appointment_id=row.appointment_id,
                                    reason="missed_72h", created_at=now, due_by=now + CALL_DEADLINE))
            db.session.add(Alert(patient_id=row.patient_id, kind="missed_72h",
                                 detail=f"appointment:{row.appointment_id}", severity="high", created_at=now))
    except IntegrityError:  # the call task already exists: the work was done once
        pass
