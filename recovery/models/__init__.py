"""The domain model; importing this package registers every table."""

from .audit import AuditEvent, sqlite_triggers_lifted
from .checkins import (
    ANSWERS,
    COHORT_BUCKETS,
    MEDICATION,
    RED_FLAGS,
    Alert,
    AlertNote,
    CheckIn,
    CheckInRevision,
    procedure_buckets,
)
from .clinic import ClinicCalendar, ClosedDate, OpeningHours
from .people import LANGUAGES, ROLES, Patient, SetPasswordToken, User
from .procedures import (
    ANAESTHESIA,
    APPOINTMENT_KINDS,
    FRACTURE_CAUSES,
    LEVELS,
    PROCEDURE_TYPES,
    SETTINGS,
    Appointment,
    Procedure,
)
from .reminders import CALL_OUTCOMES, CallTask, CheckinLink, Reminder, SchedulerHeartbeat
from .signin import SignInFailure, UserSession
from .tokens import ApiToken
from .types import utcnow

__all__ = [
    "ANAESTHESIA", "ANSWERS", "APPOINTMENT_KINDS", "FRACTURE_CAUSES", "LANGUAGES", "LEVELS", "MEDICATION",
    "PROCEDURE_TYPES", "RED_FLAGS", "ROLES", "SETTINGS", "Alert", "AlertNote", "Appointment", "AuditEvent",
    "CALL_OUTCOMES", "CallTask", "CheckIn", "CheckInRevision", "CheckinLink", "Reminder",
    "SchedulerHeartbeat", "Patient", "Procedure", "SetPasswordToken", "User", "utcnow",
    "sqlite_triggers_lifted",
    "ApiToken", "COHORT_BUCKETS", "procedure_buckets", "SignInFailure", "UserSession",
    "ClinicCalendar", "ClosedDate", "OpeningHours",
]
