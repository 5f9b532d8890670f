"""The follow-up worklist: patients whose 72-hour check is past and who have no follow-up booked.

One query; oldest procedure first, each with the window the clinic aims for (FOLLOW_UP_WINDOW_WEEKS).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, select

from ..extensions import db
from ..models import Appointment, Patient, Procedure, User, is_current

BOOKED = ("scheduled", "completed")


def parse_window(text: str) -> tuple[int, int]:
    """'2-6' -> (2, 6) weeks after the procedure; anything else is a configuration error."""
    try:
        low, high = (int(part) for part in text.split("-"))
    except ValueError:
        raise ValueError(f"FOLLOW_UP_WINDOW_WEEKS must look like 2-6, not {text!r}") from None
    if not 0 <= low <= high:
        raise ValueError(f"FOLLOW_UP_WINDOW_WEEKS must look like 2-6, not {text!r}")
    return low, high


@dataclass(frozen=True)
class Entry:
    patient_id: int
    name: str
    record_number: str
    procedure_id: int
    performed_at: datetime
    window_opens: datetime
    window_closes: datetime

    def overdue(self, now: datetime) -> bool:
        """Past the end of the window the clinic aims for."""
        return now > self.window_closes


def follow_up_worklist(now: datetime, window: tuple[int, int] = (2, 6)) -> list[Entry]:
    """Current procedures (the latest, which a booking attaches to) of patients still in follow-up
    whose 72-hour check is past (by its time) with no follow-up scheduled or completed."""
    check = Appointment.__table__.alias("check")
    follow = Appointment.__table__.alias("follow")
    rows = db.session.execute(
        select(Patient.id, User.display_name, Patient.record_number, Procedure.id, Procedure.performed_at)
        .join(User, User.id == Patient.user_id)
        .join(Procedure, Procedure.patient_id == Patient.id)
        .where(Patient.discharged.is_(False))
        .where(is_current(Procedure))
        .where(exists().where(and_(check.c.procedure_id == Procedure.id, check.c.kind == "check_72h",
                                   check.c.scheduled_for < now)))
        .where(~exists().where(and_(follow.c.procedure_id == Procedure.id, follow.c.kind == "follow_up",
                                    follow.c.status.in_(BOOKED))))
        .order_by(Procedure.performed_at, Procedure.id)
    ).all()
    low, high = window
    return [Entry(pid, name, mrn, proc_id, performed,
                  performed + timedelta(weeks=low), performed + timedelta(weeks=high))
            for pid, name, mrn, proc_id, performed in rows]
