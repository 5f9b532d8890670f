"""The API's request and response shapes: pydantic models that validate requests and write the document.

Requests are strict (no type coercion: `"3"` is not a number, `1` is not `true`) and forbid
unknown fields. They check shape and type only; the meaning (ranges against each other, times
against the procedure, who may do what) is checked by the same services the web forms use.
Every time is ISO-8601 in UTC with its offset (`2026-11-20T15:00:00Z`); `local_date` is the
patient's own calendar day.
"""

from datetime import date, datetime
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ..models import ALERT_NOTE_MAX, APPOINTMENT_KINDS, MEDICATION, NOTE_MAX, PROCEDURE_TYPES, RED_FLAGS
from ..models.procedures import APPOINTMENT_STATUSES
from ..models.types import MAX_ID
from ..services.appointments import STAFF_KINDS
from ..services.checkins import RANGES
from .errors import ALL_CODES

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# Text without NUL characters, which no database column can hold.
Text = Annotated[str, Field(pattern=r"^[^\x00]*$")]


def _score(name: str):
    lo, hi = RANGES[name]
    return Annotated[int, Field(ge=lo, le=hi)]


class Request(BaseModel):
    """A JSON request body: exact types, no unknown fields."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Query(BaseModel):
    """Query-string parameters: text converted to numbers, unknown ones refused."""

    model_config = ConfigDict(extra="forbid")


class Response(BaseModel):
    """A JSON response body."""

    model_config = ConfigDict(from_attributes=True)


# Requests


class CheckInBody(Request):
    """Today's check-in: every answer, as on the web form."""

    pain_now: _score("pain_now") = Field(description="Pain now, 0 (none) to 10 (worst imaginable).")
    worst_pain: _score("worst_pain") = Field(
        description="Worst pain in the last 24 hours; not below pain_now.")
    walking_level: _score("walking_level") = Field(
        description="0 in bed or chair, 1 a few steps with help, 2 indoors with an aid, 3 indoors unaided, "
        "4 outdoors unaided.")
    minutes_upright: _score("minutes_upright") = Field(description="Minutes standing or walking at a time.")
    medication: Literal[MEDICATION]
    sleep_disturbed: bool
    flag_neuro: bool = Field(description="New weakness or numbness in the legs, or bladder or bowel trouble.")
    flag_chest: bool = Field(description="Chest pain or shortness of breath (call 911).")
    flag_infection: bool = Field(description="Fever, or redness or discharge at the needle site.")
    flag_calf: bool = Field(description="New calf pain or swelling.")
    note: Annotated[Text, Field(max_length=NOTE_MAX)] | None = None


class AcknowledgeBody(Request):
    """What the clinician did or decided about the alert."""

    note: Annotated[Text, Field(max_length=ALERT_NOTE_MAX)]


OVERRIDE = ("Book even though the time is outside the clinic's hours, on a closed date or overlaps "
            "another visit of the clinician (the refusal names the problem); needs override_reason.")
OVERRIDE_REASON = "Why the visit is booked anyway; kept in the audit log."


class AppointmentBody(Request):
    """A new visit for a patient's current procedure."""

    patient_id: Id
    kind: Literal[STAFF_KINDS] = "follow_up"
    scheduled_for: AwareDatetime = Field(
        description="When, with its offset; in the future, after the procedure.")
    override: bool = Field(False, description=OVERRIDE)
    override_reason: str | None = Field(None, max_length=500, description=OVERRIDE_REASON)


class RescheduleBody(Request):
    """The visit's new time."""

    scheduled_for: AwareDatetime
    override: bool = Field(False, description=OVERRIDE)
    override_reason: str | None = Field(None, max_length=500, description=OVERRIDE_REASON)


class EmptyBody(Request):
    """No fields: send no body or `{}`."""


class PageQuery(Query):
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(20, ge=1, le=100)


class PatientsQuery(PageQuery):
    discharged: bool = Field(False, description="Include discharged patients.")


class AppointmentsQuery(PageQuery):
    patient_id: Id | None = None
    status: Literal[APPOINTMENT_STATUSES] | None = None


# Responses


class Error(Response):
    """Every error: a stable code for programs and a message for people."""

    code: Literal[ALL_CODES]
    message: str
    errors: dict[str, str] | None = Field(None, description="Per-field messages (validation_failed).")


class Me(Response):
    id: int
    role: Literal["patient", "clinician", "staff"]
    name: str
    patient_id: int | None


class Procedure(Response):
    id: int
    type: Literal[PROCEDURE_TYPES]
    performed_at: datetime
    levels: list[str] = Field(description="Treated vertebrae, e.g. ['T12', 'L1'].")
    fracture_cause: str
    anaesthesia: str
    setting: str
    baseline_pain: int
    cement_volume_ml: float | None
    cement_leakage: bool


class CheckIn(Response):
    id: int
    procedure_id: int
    local_date: date = Field(description="The patient's calendar day, in their own time zone.")
    pain_now: int
    worst_pain: int
    walking_level: int
    minutes_upright: int
    medication: Literal[MEDICATION]
    sleep_disturbed: bool
    flag_neuro: bool
    flag_chest: bool
    flag_infection: bool
    flag_calf: bool
    red_flags: list[Literal[RED_FLAGS]]
    note: str | None
    is_72h_check: bool
    entered_by_staff: bool
    created_at: datetime
    updated_at: datetime


class Urgent(Response):
    """What the patient must do now: the same words as the web page's urgent guidance."""

    action: Literal["call_911", "call_clinic"]
    title: str
    message: str
    then: str | None
    after: str | None
    phone_day: str
    phone_after_hours: str
    flags: list[Literal[RED_FLAGS]]
    flag_labels: dict[str, str]
    not_watched: str


class CheckInSaved(Response):
    created: bool = Field(description="True when this made today's check-in, false when it updated it.")
    checkin: CheckIn
    urgent: Urgent | None = Field(description="Present when a red flag is reported: act on it at once.")


class Appointment(Response):
    id: int
    patient_id: int
    procedure_id: int
    kind: Literal[APPOINTMENT_KINDS]
    status: Literal[APPOINTMENT_STATUSES]
    scheduled_for: datetime
    revision: int


class Message(Response):
    id: int
    kind: str
    title: str
    sent_at: datetime
    unread: bool
    appointment_at: datetime | None


class PatientSummary(Response):
    id: int
    name: str
    record_number: str
    discharged: bool
    procedure_type: Literal[PROCEDURE_TYPES] | None
    days_since_procedure: int | None
    baseline_pain: int | None
    pain_now: int | None
    pain_date: date | None
    change: int | None = Field(description="pain_now minus baseline_pain: negative is better.")
    responder: bool | None = Field(description="Pain fell by at least 2 points and at least 30%.")
    status: Literal["not_responding", "no_checkin", "responding", "no_procedure"]
    open_alerts: int
    urgent: bool
    last_checkin: date | None


class Alert(Response):
    id: int
    patient_id: int
    checkin_id: int | None
    kind: str
    detail: str
    severity: Literal["urgent", "high", "routine"]
    description: str
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    note: str | None


T = TypeVar("T")


class FhirBundle(Response):
    """A FHIR R4 Bundle (collection) of the patient's record; the resources follow FHIR, not this document."""

    model_config = ConfigDict(extra="allow")
    resourceType: Literal["Bundle"]
    type: str
    entry: list[dict] = []


class Page(Response, Generic[T]):
    """One page of a list; follow `next` until it is null."""

    items: list[T]
    page: int
    per_page: int
    total: int
    next: str | None = Field(description="The URL of the next page, or null on the last.")
