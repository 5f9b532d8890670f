"""What the staff forms offer and how they read: choice labels, and form data for the services.

The services validate (they are shared with the CLI and tests), so the forms here are plain
HTML forms; the CSRF token comes from the `csrf()` macro and CSRFProtect checks it.
"""

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from ..display import to_local
from ..models import Procedure
from ..reminders.channels import LABELS as CHANNELS  # noqa: F401 - the channels registered

# The codes' words are the shared vocabulary's (re-exported: the staff templates read them as labels.*).
from ..vocabulary import (  # noqa: F401
    ANAESTHESIA,
    APPOINTMENT_KINDS,
    APPOINTMENT_STATUSES,
    BOOKABLE_KINDS,
    CALL_OUTCOMES,
    DELIVERY_STEPS,
    FRACTURE_CAUSES,
    LANGUAGES,
    MEDICATION,
    PROCEDURE_TYPES,
    REMINDER_KINDS,
    REMINDER_STATUSES,
    ROLES,
    SETTINGS,
)

# The outbox's status filter: the statuses plus two groupings.
OUTBOX_STATUS_FILTERS = {
    "upcoming": _l("Not sent yet (pending or sending)"),
    "all": _l("Every status"),
    **REMINDER_STATUSES,
}
# The reminders about one visit, as the agenda names them, and how far each got.
AGENDA_REMINDERS = {
    "check_72h": _l("72-hour reminder"),
    "check_72h_repeat": _l("second reminder"),
    "follow_up_before": _l("2 days before"),
    "follow_up_morning": _l("that morning"),
    "visit_summary": _l("summary to the clinician"),
}
AGENDA_REMINDER_STATES = {
    "sent": _l("sent"),
    "sending": _l("sending"),
    "pending": _l("not yet"),
    "failed": _l("failed"),
    "cancelled": _l("not sent (cancelled)"),
}
# How staff saw the patient agree to texts ("" for no consent); "settings" is the patient's own,
# offered only to keep it as it is.
SMS_CONSENT_OPTIONS = [("", _l("Not asked, or declined: no texts")),
                       ("verbal", _l("Agreed to texts, told staff (verbal)")),
                       ("written", _l("Agreed to texts in writing"))]
SMS_CONSENT_OWN = ("settings", _l("Agreed in their Settings in Recovery"))

# What each audit event records, in words (an action not listed here is shown as its code).
AUDIT_ACTIONS = {
    "patient.view": _l("Viewed the patient's record"),
    "procedure.view": _l("Opened a procedure to correct it"),
    "patient.enrol": _l("Enrolled the patient"),
    "patient.invite_link": _l("Issued a set-password link"),
    "patient.reset_link": _l("Issued a password-reset link"),
    "patient.discharge": _l("Discharged the patient"),
    "patient.texts": _l("Changed the mobile number or consent to texts"),
    "patient.email": _l("Changed the e-mail address"),
    "procedure.record": _l("Recorded a procedure"),
    "procedure.correct": _l("Corrected a procedure"),
    "checkin.phone_entry": _l("Entered a check-in taken by phone"),
    "appointment.schedule": _l("Booked a visit"),
    "appointment.reschedule": _l("Moved a visit"),
    "appointment.cancel": _l("Cancelled a visit"),
    "appointment.completed": _l("Marked a visit completed"),
    "appointment.missed": _l("Marked a visit missed"),
    "call.close": _l("Closed a call task"),
    "reminder.resend": _l("Resent a failed reminder"),
    "alert.acknowledge": _l("Acknowledged an alert"),
    "alert.follow_up": _l("Added a note to an alert already acknowledged"),
    "cohort.view": _l("Viewed the cohort statistics"),
    "patient.export_fhir": _l("Downloaded the patient's record (FHIR)"),
    "cohort.export_csv": _l("Downloaded the cohort's check-ins (CSV)"),
    "patient.visit_summary": _l("Opened the printable visit summary"),
    "clinic.hours": _l("Changed the clinic's opening hours"),
    "clinic.closed_add": _l("Added a closed date"),
    "clinic.closed_remove": _l("Removed a closed date"),
}


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
