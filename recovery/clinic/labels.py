"""Words for the codes the clinician pages show (translated; colour is never the only signal).

Codes every audience sees have their words in the shared vocabulary; clinical words stay here."""

from flask_babel import format_decimal, format_percent
from flask_babel import lazy_gettext as _l

from .. import vocabulary
from ..reminders import channels
from ..services.alerts import FLAG_LABELS
from ..services.checkins import WALKING_LEVELS
from ..services.patient_list import SEARCH_MAX
from ..services.triage import KIND_LABELS

STATUS = {
    "responding": _l("Responding"),
    "not_responding": _l("Not responding yet"),
    "no_checkin": _l("No check-in yet"),
    "no_procedure": _l("No procedure recorded"),
    "no_recent_data": _l("No recent data"),
    "long_term": _l("Long-term follow-up"),
}
STATUS_BADGE = {"responding": "ok", "not_responding": "bad", "no_checkin": "warn", "no_procedure": "warn",
                "no_recent_data": "warn", "long_term": "ok"}
ALERT_KINDS = KIND_LABELS
SEVERITY = {"urgent": _l("Urgent"), "high": _l("High"), "routine": _l("Routine")}


def signed(number: int | None) -> str:
    """A change in pain with its sign, using a true minus: −5, +1, 0."""
    if number is None:
        return ""
    if number < 0:
        return f"\N{MINUS SIGN}{-number}"
    return f"+{number}" if number > 0 else "0"


def number(value: float | None) -> str:
    """A statistic as the page shows it: up to 2 decimals, none when whole (4, 4.5, 3.25)."""
    return "\N{EM DASH}" if value is None else format_decimal(value, format="#,##0.##")


def percent(value: float | None) -> str:
    """A rate as a whole percentage (67%), or a dash when there is nothing to divide."""
    return "\N{EM DASH}" if value is None else format_percent(value, format="#,##0%")


def labels() -> dict:
    """Everything the clinic templates need to turn codes into words."""
    return {
        "status_label": STATUS,
        "status_badge": STATUS_BADGE,
        "procedure_label": vocabulary.PROCEDURE_TYPES,
        "cause_label": vocabulary.FRACTURE_CAUSES,
        "anaesthesia_label": vocabulary.ANAESTHESIA,
        "setting_label": vocabulary.SETTINGS,
        "medication_label": vocabulary.MEDICATION,
        "walking_label": WALKING_LEVELS,
        "flag_label": FLAG_LABELS,
        "appointment_kind_label": vocabulary.APPOINTMENT_KINDS,
        "appointment_status_label": vocabulary.APPOINTMENT_STATUSES,
        "alert_kind_label": ALERT_KINDS,
        "severity_label": SEVERITY,
        "language_label": vocabulary.LANGUAGES,
        "reminder_kind_label": vocabulary.REMINDER_KINDS,
        "channel_label": channels.LABELS,
        "reminder_status_label": vocabulary.REMINDER_STATUSES,
        "time_point_label": vocabulary.OUTCOME_TIME_POINTS,
        "signed": signed,
        "number": number,
        "percent": percent,
        "search_max": SEARCH_MAX,
    }
