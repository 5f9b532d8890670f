"""Procedures (vertebroplasty, kyphoplasty) and the appointments that follow them."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import vocabulary
from ..extensions import db
from .types import UTCDateTime, utcnow

PROCEDURE_TYPES = vocabulary.codes(vocabulary.PROCEDURE_TYPES)
FRACTURE_CAUSES = vocabulary.codes(vocabulary.FRACTURE_CAUSES)
ANAESTHESIA = vocabulary.codes(vocabulary.ANAESTHESIA)
SETTINGS = vocabulary.codes(vocabulary.SETTINGS)
LEVELS = tuple(f"T{i}" for i in range(1, 13)) + tuple(f"L{i}" for i in range(1, 6))
APPOINTMENT_KINDS = vocabulary.codes(vocabulary.APPOINTMENT_KINDS)
APPOINTMENT_STATUSES = vocabulary.codes(vocabulary.APPOINTMENT_STATUSES)
NOTES_MAX = 2000  # a procedure's free-text notes, in characters


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Procedure(db.Model):
    """One vertebral augmentation; the clock of a patient's recovery starts here."""

    __tablename__ = "procedures"
    __table_args__ = (
        CheckConstraint(_in("type", PROCEDURE_TYPES), name="type"),
        CheckConstraint(_in("fracture_cause", FRACTURE_CAUSES), name="fracture_cause"),
        CheckConstraint(_in("anaesthesia", ANAESTHESIA), name="anaesthesia"),
        CheckConstraint(_in("setting", SETTINGS), name="setting"),
        CheckConstraint("baseline_pain BETWEEN 0 AND 10", name="baseline_pain"),
        CheckConstraint("cement_volume_ml IS NULL OR cement_volume_ml > 0", name="cement"),
        CheckConstraint("levels <> ''", name="levels"),
        # "The current procedure" is every patient's latest: patient, then newest first.
        Index("ix_procedures_patient_performed", "patient_id", "performed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    type: Mapped[str] = mapped_column(String(16))
    performed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    levels: Mapped[str] = mapped_column(String(120))  # comma-separated, e.g. "T12,L1"
    fracture_cause: Mapped[str] = mapped_column(String(32))
    anaesthesia: Mapped[str] = mapped_column(String(8))
    setting: Mapped[str] = mapped_column(String(16))
    cement_volume_ml: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    cement_leakage: Mapped[bool] = mapped_column(default=False)
    baseline_pain: Mapped[int]
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    patient = relationship("Patient", back_populates="procedures")
    appointments: Mapped[list["Appointment"]] = relationship(
        back_populates="procedure", order_by="Appointment.scheduled_for"
    )

    @property
    def level_list(self) -> list[str]:
        return self.levels.split(",")


class Appointment(db.Model):
    """A 72-hour check, follow-up or other visit tied to a procedure."""

    __tablename__ = "appointments"
    __table_args__ = (
        CheckConstraint(_in("kind", APPOINTMENT_KINDS), name="kind"),
        CheckConstraint(_in("status", APPOINTMENT_STATUSES), name="status"),
        # The sweep looks for scheduled visits ahead and 72-hour checks overdue.
        Index("ix_appointments_status_scheduled", "status", "scheduled_for"),
        # The agenda reads every visit of a day or week, whatever its status.
        Index("ix_appointments_scheduled_for", "scheduled_for"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    # Who sees the patient: the patient's assigned clinician when booked, changeable by staff.
    clinician_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    revision: Mapped[int] = mapped_column(default=1)  # bumped on every move: reminders key on it
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    procedure: Mapped[Procedure] = relationship(back_populates="appointments")
    patient = relationship("Patient")
    clinician = relationship("User", foreign_keys=[clinician_id])
