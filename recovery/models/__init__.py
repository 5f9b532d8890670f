"""The domain model; importing this package registers every table."""

from .audit import AuditEvent, sqlite_triggers_lifted
from .checkins import (
    ALERT_NOTE_MAX,
    ANSWERS,
    COHORT_BUCKETS,
    MEDICATION,
    NOTE_MAX,
    RED_FLAGS,
    Alert,
    AlertNote,
    CheckIn,
    CheckInRevision,
    ExpectedBand,
    procedure_buckets,
)
from .clinic import ClinicCalendar, ClosedDate, OpeningHours
from .people import (
    EMAIL_MAX,
    LANGUAGES,
    MOBILE_MAX,
    NAME_MAX,
    PHONE_MAX,
    RECORD_NUMBER_MAX,
    ROLES,
    SMS_CONSENT_METHODS,
    Patient,
    SetPasswordToken,
    User,
)
from .procedures import (
    ANAESTHESIA,
    APPOINTMENT_KINDS,
    FRACTURE_CAUSES,
    LEVELS,
    NOTES_MAX,
    PROCEDURE_TYPES,
    SETTINGS,
    Appointment,
    Procedure,
)
from .questionnaires import QuestionnaireResponse, QuestionnaireResponseRevision
from .reminders import CALL_NOTE_MAX, CALL_OUTCOMES, CallTask, CheckinLink, Reminder, SchedulerHeartbeat
from .signin import SignInFailure, UserSession
from .sms import DELIVERY_STEPS, SMS_BODY_MAX, ReminderDelivery, SmsMessage, SmsOptOut, procedure_completion
from .timeline import (
    current_procedure,
    is_current,
    procedure_day,
    recovery_day,
    recovery_day_between,
    recovery_day_within,
)
from .tokens import TOKEN_NAME_MAX, ApiToken
from .types import utcnow

__all__ = [
    "ANAESTHESIA", "ANSWERS", "APPOINTMENT_KINDS", "FRACTURE_CAUSES", "LANGUAGES", "LEVELS", "MEDICATION",
    "PROCEDURE_TYPES", "RED_FLAGS", "ROLES", "SETTINGS", "Alert", "AlertNote", "Appointment", "AuditEvent",
    "CALL_OUTCOMES", "CallTask", "CheckIn", "CheckInRevision", "CheckinLink", "Reminder",
    "SchedulerHeartbeat", "Patient", "Procedure", "SetPasswordToken", "User", "utcnow",
    "sqlite_triggers_lifted",
    "ApiToken", "COHORT_BUCKETS", "procedure_buckets", "SignInFailure", "UserSession",
    "current_procedure", "is_current", "procedure_day", "recovery_day", "recovery_day_between",
    "recovery_day_within",
    "ALERT_NOTE_MAX", "CALL_NOTE_MAX", "EMAIL_MAX", "NAME_MAX", "NOTE_MAX", "NOTES_MAX", "PHONE_MAX",
    "RECORD_NUMBER_MAX", "TOKEN_NAME_MAX",
    "ClinicCalendar", "ClosedDate", "OpeningHours", "ExpectedBand",
    "QuestionnaireResponse", "QuestionnaireResponseRevision",
    "MOBILE_MAX", "DELIVERY_STEPS", "SMS_BODY_MAX", "SMS_CONSENT_METHODS",
    "ReminderDelivery", "SmsMessage", "SmsOptOut", "procedure_completion",
]
