"""The follow-up worklist: patients whose 72-hour check is past and who have no follow-up booked.

Oldest procedure first, 50 a page, each with the window the clinic aims for
(FOLLOW_UP_WINDOW_WEEKS). A page is one statement whatever the number of patients: the page's rows
carry the number of matches (a window count), so the count and the page share one pass.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, select

from ..extensions import db
from ..models import Appointment, Patient, Procedure, User, is_current
from . import paging

BOOKED = ("scheduled", "completed")
PAGE_SIZE = 50


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


@dataclass(frozen=True)
class WorklistPage(paging.Paged):
    """One page of the worklist and the number of patients on the whole list."""

    entries: list[Entry]
    total: int
    page: int

    @property
    def page_size(self) -> int:
        return PAGE_SIZE


def parse_page(data) -> int:
    """The worklist page the URL asks for (1 when it names none); ValidationError if malformed."""
    return paging.parse_page(data)


def follow_up_worklist(now: datetime, window: tuple[int, int] = (2, 6), page: int = 1) -> WorklistPage:
    """Page `page` of the current procedures (the latest, which a booking attaches to) of patients
    still in follow-up whose 72-hour check is past (by its time) with no follow-up scheduled or
    completed, oldest first. One statement; a second only to count when the page is past the end."""
    check = Appointment.__table__.alias("check")
    follow = Appointment.__table__.alias("follow")
    where = (
        Patient.discharged.is_(False),
        is_current(Procedure),
        exists().where(and_(check.c.procedure_id == Procedure.id, check.c.kind == "check_72h",
                            check.c.scheduled_for < now)),
        ~exists().where(and_(follow.c.procedure_id == Procedure.id, follow.c.kind == "follow_up",
                             follow.c.status.in_(BOOKED))),
    )
    matching = (select(Patient.id).join(Procedure, Procedure.patient_id == Patient.id).where(*where))
    rows = db.session.execute(
        select(Patient.id, User.display_name, Patient.record_number, Procedure.id, Procedure.performed_at,
               func.count().over())
        .join(User, User.id == Patient.user_id)
        .join(Procedure, Procedure.patient_id == Patient.id)
        .where(*where)
        .order_by(Procedure.performed_at, Procedure.id)
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    if rows:
        total = rows[0][5]
    else:  # an empty list, or a page past its end: count alone
        total = db.session.scalar(select(func.count()).select_from(matching.subquery())) if page > 1 else 0
    low, high = window
    entries = [Entry(pid, name, mrn, proc_id, performed,
                     performed + timedelta(weeks=low), performed + timedelta(weeks=high))
               for pid, name, mrn, proc_id, performed, _ in rows]
    return WorklistPage(entries, total, page)
