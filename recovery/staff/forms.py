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
# The appointment kinds staff may book; the 72-hour check is created with the procedure.
BOOKABLE_KINDS = {"follow_up": APPOINTMENT_KINDS["follow_up"], "other": APPOINTMENT_KINDS["other"]}
REMINDER_KINDS = {
    "check_72h": _l("72-hour check-in is due"),
    "check_72h_repeat": _l("72-hour check-in, second reminder"),
    "follow_up_before": _l("Visit coming up (2 days before)"),
    "follow_up_morning": _l("Visit today (that morning)"),
    "daily_nudge": _l("Daily check-in reminder"),
    "escalation": _l("Call task if the 72-hour check is missed"),
    "invite": _l("Set-password invitation"),
    "visit_summary": _l("Visit summary for the clinician (the day before a follow-up)"),
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
CHANNELS = {"email": _l("E-mail"), "in_app": _l("In the app"), "staff": _l("Staff task"),
            "clinic": _l("E-mail to a clinician")}
REMINDER_STATUSES = {
    "pending": _l("Pending"),
    "sending": _l("Sending"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
    "cancelled": _l("Cancelled"),
}
CALL_OUTCOMES = {
    "reached": _l("Reached the patient"),
    "left_message": _l("Left a message"),
    "no_answer": _l("No answer"),
}
# What each audit event records, in words (an action not listed here is shown as its code).
AUDIT_ACTIONS = {
    "patient.view": _l("Viewed the patient's record"),
    "procedure.view": _l("Opened a procedure to correct it"),
    "patient.enrol": _l("Enrolled the patient"),
    "patient.invite_link": _l("Issued a set-password link"),
    "patient.reset_link": _l("Issued a password-reset link"),
    "patient.discharge": _l("Discharged the patient"),
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
}
ROLES = {"patient": _l("Patient"), "clinician": _l("Clinician"), "staff": _l("Staff")}
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
