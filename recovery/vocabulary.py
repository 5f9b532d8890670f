"""Codes and their words: the one home of every coded value Recovery stores and shows.

Each vocabulary maps a stored code to its label, in the order forms offer them. The models take
their codes (and CHECK constraints) from the keys; forms, pages, the API, FHIR and CSV take the
labels from here. Labels are lazy (`_l`): they are translated when shown, in the reader's
language (FHIR shows them under `force_locale("en")`). This module imports nothing of Recovery,
so models, services, reminders and blueprints can all import it. Reminder channels are the
exception: each is a module with its own label, listed in reminders/channels (the registry).
"""

from flask_babel import lazy_gettext as _l

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
# The patient's own words for the check-in's answer; every other page uses the same ones.
MEDICATION = {
    "none": _l("None"),
    "otc": _l("Over-the-counter (bought without a prescription)"),
    "prescription": _l("Prescription pain medicine"),
}
# The outcome questionnaires' time points, in order (services/timepoints.py has their windows).
OUTCOME_TIME_POINTS = {
    "baseline": _l("Before the procedure"), "72h": _l("72 hours"), "week1": _l("Week 1"),
    "month1": _l("Month 1"), "month3": _l("Month 3"), "month6": _l("Month 6"), "month12": _l("Month 12"),
}
APPOINTMENT_KINDS = {
    "check_72h": _l("72-hour check"),
    "follow_up": _l("Follow-up visit"),
    "other": _l("Other visit"),
}
# The kinds staff may book; the 72-hour check is created with the procedure.
BOOKABLE_KINDS = {kind: APPOINTMENT_KINDS[kind] for kind in ("follow_up", "other")}
APPOINTMENT_STATUSES = {
    "scheduled": _l("Scheduled"),
    "completed": _l("Completed"),
    "cancelled": _l("Cancelled"),
    "missed": _l("Missed"),
}
REMINDER_KINDS = {
    "check_72h": _l("72-hour check-in is due"),
    "check_72h_repeat": _l("72-hour check-in, second reminder"),
    "follow_up_before": _l("Visit coming up (2 days before)"),
    "follow_up_morning": _l("Visit today (that morning)"),
    "daily_nudge": _l("Daily check-in reminder"),
    "escalation": _l("Call task if the 72-hour check is missed"),
    "invite": _l("Set-password invitation"),
    "visit_summary": _l("Visit summary for the clinician (the day before a follow-up)"),
    "password_reset": _l("Password-reset link"),
}
REMINDER_STATUSES = {
    "pending": _l("Pending"),
    "sending": _l("Sending"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
    "cancelled": _l("Cancelled"),
}
# A reminder's delivery ledger (reminders/ledger.py), after it was planned and handed over (those
# two are the reminder's own row: created_at, sent_at and provider_id): the provider's progress
# (queued, sent), delivered, failed (a bounce or a provider's failure), opened (its link was
# followed) and answered (the check-in it asked for was made).
DELIVERY_STEPS = {
    "planned": _l("Planned"),
    "sent": _l("Sent"),
    "delivered": _l("Delivered"),
    "failed": _l("Failed"),
    "opened": _l("Opened"),
    "answered": _l("Answered"),
}
CALL_OUTCOMES = {
    "reached": _l("Reached the patient"),
    "left_message": _l("Left a message"),
    "no_answer": _l("No answer"),
}
ROLES = {"patient": _l("Patient"), "clinician": _l("Clinician"), "staff": _l("Staff")}
# Each language under its own name, untranslated, so a reader finds theirs whatever the page's language.
LANGUAGES = {"en": "English", "es": "Español"}
# The time zones offered to patients and staff, by the name people know them by. Any other IANA
# zone already on a record is offered too (timezone_options), and the services accept any.
TIMEZONES = {
    "America/New_York": _l("Eastern time (New York)"),
    "America/Chicago": _l("Central time (Chicago)"),
    "America/Denver": _l("Mountain time (Denver)"),
    "America/Phoenix": _l("Arizona (Phoenix, no daylight saving)"),
    "America/Los_Angeles": _l("Pacific time (Los Angeles)"),
    "America/Anchorage": _l("Alaska time (Anchorage)"),
    "Pacific/Honolulu": _l("Hawaii time (Honolulu)"),
    "America/Puerto_Rico": _l("Atlantic time (Puerto Rico, no daylight saving)"),
}


def codes(vocabulary: dict) -> tuple[str, ...]:
    """A vocabulary's codes in order (what a CHECK constraint or a Literal type lists)."""
    return tuple(vocabulary)


def timezone_options(current: str | None = None) -> list[tuple[str, object]]:
    """(zone, label) pairs for a time-zone select: the list above, with `current` first if it is
    not on it (shown by its IANA name)."""
    options = list(TIMEZONES.items())
    if current and current not in TIMEZONES:
        options.insert(0, (current, current))
    return options
