"""What the staff forms offer and how they read: choice labels, and form data for the services.

The services validate (they are shared with the CLI and tests), so the forms here are plain
HTML forms; the CSRF token comes from the `csrf()` macro and CSRFProtect checks it.
"""

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from ..display import to_local
from ..models import Procedure

PROCEDURE_TYPES = {"vertebroplasty": _l("Vertebroplasty"), "kyphoplasty": _l("Kyphoplasty")}
FRACTURE_CAUSES = {
    "osteoporosis": _l("Osteoporosis"),
    "osteogenesis_imperfecta": _l("Osteogenesis imperfecta"),
    "spinal_tumour": _l("Spinal tumour"),
    "trauma": _l("Trauma"),
    "other": _l("Other"),
}
ANAESTHESIA = {"local": _l("Local anaesthesia"), "general": _l("General anaesthesia")}
SETTINGS = {"outpatient": _l("Outpatient (home the same day)"), "overnight": _l("Overnight stay")}
LANGUAGES = {"en": "English", "es": "Español"}  # each in its own language, on purpose
APPOINTMENT_KINDS = {
    "check_72h": _l("72-hour check"),
    "follow_up": _l("Follow-up visit"),
    "other": _l("Other visit"),
}
APPOINTMENT_STATUSES = {
    "scheduled": _l("Scheduled"),
    "completed": _l("Completed"),
    "cancelled": _l("Cancelled"),
    "missed": _l("Missed"),
}
MEDICATION = {
    "none": _l("No pain medication"),
    "otc": _l("Over-the-counter only"),
    "prescription": _l("Prescription pain medication"),
}
# Offered as suggestions; any IANA zone may be typed.
COMMON_TIMEZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
)


def procedure_data(form: MultiDict) -> dict:
    """A submitted procedure form as the dict the service takes (levels as a list)."""
    data = form.to_dict()
    data["levels"] = form.getlist("levels")
    return data


def procedure_form(procedure: Procedure, clinic_tz: str) -> MultiDict:
    """A recorded procedure as form values, the time in the clinic's wall clock."""
    performed = to_local(procedure.performed_at, clinic_tz)
    values = [
        ("type", procedure.type),
        ("performed_at", performed.strftime("%Y-%m-%dT%H:%M") if performed else ""),
        ("fracture_cause", procedure.fracture_cause),
        ("anaesthesia", procedure.anaesthesia),
        ("setting", procedure.setting),
        ("cement_volume_ml", "" if procedure.cement_volume_ml is None else str(procedure.cement_volume_ml)),
        ("cement_leakage", "yes" if procedure.cement_leakage else "no"),
        ("baseline_pain", str(procedure.baseline_pain)),
        ("notes", procedure.notes or ""),
    ]
    values += [("levels", level) for level in procedure.level_list]
    return MultiDict(values)
