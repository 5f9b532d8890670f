"""The clinic's calendar: weekly opening hours and closed dates, which bookings are checked against."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class ClinicCalendar(db.Model):
    """One row once the hours were seeded from the config: from then on the tables rule, even if
    staff remove every range (a clinic closed for a while), and a restart never seeds again."""

    __tablename__ = "clinic_calendar"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seeded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class OpeningHours(db.Model):
    """One range of opening hours on a weekday (0 Monday .. 6 Sunday), in minutes after local
    midnight, so it is the same wall-clock time on either side of a daylight-saving change."""

    __tablename__ = "opening_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("opens_minute >= 0 AND closes_minute <= 1440 AND opens_minute < closes_minute",
                        name="range"),
        Index("ix_opening_hours_weekday", "weekday", "opens_minute", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    weekday: Mapped[int]
    opens_minute: Mapped[int]
    closes_minute: Mapped[int]


class ClosedDate(db.Model):
    """A day the clinic is closed (a holiday, a snow day), with an optional note for staff."""

    __tablename__ = "closed_dates"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    note: Mapped[str | None] = mapped_column(String(120))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
