"""Daily check-ins, their edit history, and the alerts they raise."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import vocabulary
from ..extensions import db
from .types import UTCDateTime, utcnow

MEDICATION = vocabulary.codes(vocabulary.MEDICATION)
RED_FLAGS = ("flag_neuro", "flag_chest", "flag_infection", "flag_calf")
NOTE_MAX = 1000  # a check-in's note, in characters (the schema holds it too)
ALERT_NOTE_MAX = 1000  # a clinician's note on an alert
# Every answer a complete check-in has (the note is optional). NULL is "not answered", never "no".
ANSWERS = ("pain_now", "worst_pain", "walking_level", "minutes_upright", "medication",
           "sleep_disturbed") + RED_FLAGS
INCOMPLETE_HAS_REASON = ("complete OR pain_now IS NOT NULL OR "
                         + " OR ".join(f"{f} IS TRUE" for f in RED_FLAGS))


class CheckIn(db.Model):
    """How a patient is on one local day; submitting again that day updates this row."""

    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("patient_id", "local_date", name="uq_checkins_patient_day"),
        CheckConstraint("pain_now BETWEEN 0 AND 10", name="pain_now"),
        CheckConstraint("worst_pain BETWEEN 0 AND 10", name="worst_pain"),
        CheckConstraint("walking_level BETWEEN 0 AND 4", name="walking_level"),
        CheckConstraint("minutes_upright BETWEEN 0 AND 1440", name="minutes_upright"),
        CheckConstraint("medication IN ('none', 'otc', 'prescription')", name="medication"),
        CheckConstraint(f"note IS NULL OR length(note) <= {NOTE_MAX}", name="note"),
        # A complete check-in has every answer; an incomplete one exists only to keep a red flag,
        # or the pain score a patient texted in reply to a nudge (services/texting.py).
        CheckConstraint("NOT complete OR (" + " AND ".join(f"{a} IS NOT NULL" for a in ANSWERS) + ")",
                        name="complete_answers"),
        CheckConstraint(INCOMPLETE_HAS_REASON, name="incomplete_has_reason"),
        # The cohort, triage and chart queries read one procedure's check-ins in date order.
        Index("ix_checkins_procedure_day", "procedure_id", "local_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No one-column indexes: uq_checkins_patient_day and ix_checkins_procedure_day lead with these.
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"))
    local_date: Mapped[date]
    # None: not answered (a check-in saved incomplete because it reported a red flag).
    pain_now: Mapped[int | None]
    worst_pain: Mapped[int | None]
    walking_level: Mapped[int | None]
    minutes_upright: Mapped[int | None]
    medication: Mapped[str | None] = mapped_column(String(16))
    sleep_disturbed: Mapped[bool | None]
    flag_neuro: Mapped[bool | None]
    flag_chest: Mapped[bool | None]
    flag_infection: Mapped[bool | None]
    flag_calf: Mapped[bool | None]
    note: Mapped[str | None] = mapped_column(Text)
    # False while answers are missing: such a row settles no 72-hour check and cancels no nudge.
    complete: Mapped[bool] = mapped_column(default=True, server_default=true())
    is_72h_check: Mapped[bool] = mapped_column(default=False)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # staff, by phone
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    patient = relationship("Patient")
    procedure = relationship("Procedure")
    entered_by = relationship("User")
    revisions: Mapped[list["CheckInRevision"]] = relationship(
        back_populates="checkin", order_by="CheckInRevision.id"
    )

    @property
    def red_flags(self) -> list[str]:
        return [f for f in RED_FLAGS if getattr(self, f)]

    @property
    def missing(self) -> list[str]:
        """The answers not given yet (empty for a complete check-in)."""
        return [a for a in ANSWERS if getattr(self, a) is None]


# The cohort page's spans of days since the procedure (services/cohort.py defines their days).
COHORT_BUCKETS = ("day0", "day1", "day2", "day3",
                  "week1", "week2", "week3", "week4", "week6", "week8", "week12")

# Each procedure's last check-in (by local date) in each cohort bucket: <bucket>_date and
# <bucket>_pain, NULL where it has none. Derived from `checkins` and kept in step with them by
# services/buckets.py in the same transaction, so the cohort page reads one row per procedure
# instead of every check-in. One row, not one per bucket: at 10,000 patients the database then
# hands over 10,000 rows instead of sorting and grouping 110,000.
# The clinician's list reads the same row for the procedure's latest pain (latest_date,
# latest_pain: its last check-in with a pain answer, by local date) and its last check-in of any
# kind (last_date), instead of looking them up per patient. A procedure with check-ins has a row.
procedure_buckets = Table(
    "procedure_buckets", db.metadata,
    Column("procedure_id", Integer, ForeignKey("procedures.id"), primary_key=True),
    *(Column(f"{key}_{part}", kind)
      for key in COHORT_BUCKETS for part, kind in (("date", Date), ("pain", Integer))),
    Column("latest_date", Date),
    Column("latest_pain", Integer),
    Column("last_date", Date),
)


class ExpectedBand(db.Model):
    """Each procedure type's expected-recovery band as last computed from the whole cohort
    (services/cohort.refresh_expected_bands, run by the scheduler every few minutes), so a
    patient's chart reads one row instead of the cohort's check-ins. Derived data: a type with
    no row yet is computed when asked."""

    __tablename__ = "expected_bands"

    procedure_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    band: Mapped[dict] = mapped_column(JSON)  # {"days": [...], "low": [...], "high": [...], "sources": [...]}


class CheckInRevision(db.Model):
    """An earlier version of a check-in, kept when the same day's check-in is submitted again."""

    __tablename__ = "checkin_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id"), index=True)
    snapshot: Mapped[dict] = mapped_column(JSON)
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    checkin: Mapped[CheckIn] = relationship(back_populates="revisions")


class Alert(db.Model):
    """Something a clinician should look at; open until acknowledged with a note."""

    __tablename__ = "alerts"
    __table_args__ = (
        # A red flag on one check-in raises one alert per flag, however often it is resubmitted.
        UniqueConstraint("checkin_id", "kind", "detail", name="uq_alerts_checkin_kind_detail"),
        CheckConstraint("severity IN ('urgent', 'high', 'routine')", name="severity"),
        # The triage list reads open alerts only: a partial index stays as small as the open list.
        Index("ix_alerts_open", "created_at", sqlite_where=text("acknowledged_at IS NULL"),
              postgresql_where=text("acknowledged_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id"))
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(String(64), default="")
    severity: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)

    patient = relationship("Patient")
    acknowledged_by = relationship("User")
    follow_ups: Mapped[list["AlertNote"]] = relationship(
        back_populates="alert", order_by="(AlertNote.created_at, AlertNote.id)")

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None


class AlertNote(db.Model):
    """A clinician's note on an alert that was already closed, kept beside the acknowledgement:
    when two clinicians acknowledge one alert at once, the second one's note is kept here."""

    __tablename__ = "alert_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text)

    alert: Mapped[Alert] = relationship(back_populates="follow_ups")
    author = relationship("User")
