"""Outcome questionnaires a patient answered, one per procedure, time point and instrument."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import vocabulary
from ..extensions import db
from .types import UTCDateTime, utcnow

INSTRUMENT_MAX = 32  # an instrument's key ("rmdq", "global_impression"), from its Questionnaire
VERSION_MAX = 100  # the Questionnaire's version, as its file gives it
TIME_POINT_CODES = tuple(vocabulary.OUTCOME_TIME_POINTS)


class QuestionnaireResponse(db.Model):
    """A patient's answers to one instrument at one time point of one procedure, and its score.

    Answering again inside the same window updates this row and keeps the earlier answers as a
    QuestionnaireResponseRevision, as check-ins do. `answers` maps the Questionnaire's linkIds to
    the answers given (True for a ticked statement, an option's code, a whole number); items left
    unanswered are absent. `score` is the instrument's own score (NULL when the answers cannot be
    scored); `score_parts` the figures beside it (EQ-5D-5L: the profile and the VAS). The
    instrument's key and version are stored, so a later export or cohort statistic can say which
    definition was answered even after a clinic replaces its drop-in.
    """

    __tablename__ = "questionnaire_responses"
    __table_args__ = (
        UniqueConstraint("procedure_id", "time_point", "instrument", name="uq_questionnaire_responses_point"),
        CheckConstraint("time_point IN (" + ", ".join(f"'{code}'" for code in TIME_POINT_CODES) + ")",
                        name="time_point"),
        # The patient's page and the clinician's read one patient's responses in time order.
        Index("ix_questionnaire_responses_patient", "patient_id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    # No one-column index: uq_questionnaire_responses_point leads with it.
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"))
    time_point: Mapped[str] = mapped_column(String(16))
    instrument: Mapped[str] = mapped_column(String(INSTRUMENT_MAX))
    instrument_version: Mapped[str] = mapped_column(String(VERSION_MAX))
    answers: Mapped[dict] = mapped_column(JSON)
    score: Mapped[float | None]
    score_parts: Mapped[dict] = mapped_column(JSON, default=dict)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # staff, at enrolment
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # first submission
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    patient = relationship("Patient")
    procedure = relationship("Procedure")
    revisions: Mapped[list["QuestionnaireResponseRevision"]] = relationship(
        back_populates="response", order_by="QuestionnaireResponseRevision.id")


class QuestionnaireResponseRevision(db.Model):
    """An earlier version of a response, kept when it is answered again in the same window."""

    __tablename__ = "questionnaire_response_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_responses.id"), index=True)
    snapshot: Mapped[dict] = mapped_column(JSON)
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    response: Mapped[QuestionnaireResponse] = relationship(back_populates="revisions")
