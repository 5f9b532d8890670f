"""A patient's own reminder preferences: texts, e-mail or both (and the mobile number texts go
to), the nudge's time, time zone, language."""

from datetime import datetime, time
from functools import cache
from zoneinfo import available_timezones

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import LANGUAGES, Patient
from ..reminders import outbox, texts
from . import buckets, checkins
from .validate import Fields

# The schema allows 08:00-20:30 so that the nudge never falls in quiet hours (21:00-08:00).
EARLIEST = time(8, 0)
LATEST = time(20, 30)


@cache
def _iana_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def current_values(patient: Patient) -> dict[str, str]:
    """The patient's preferences as the strings the settings form posts."""
    return {
        "email_reminders": "yes" if patient.email_reminders else "no",
        "mobile": patient.mobile or "",
        "sms_reminders": "yes" if patient.sms_reminders else "no",
        "reminder_time": patient.reminder_time.strftime("%H:%M"),
        "timezone": patient.timezone,
        "preferred_language": patient.preferred_language,
    }


def update_preferences(patient: Patient, data, now: datetime) -> list[str]:
    """Validate and save the patient's preferences, then re-plan their pending reminders.

    Raises ValidationError with a message for every bad field and changes nothing then.
    Returns the names of the fields that changed.
    """
    fields = Fields(data)
    email_reminders = _email_reminders(fields, patient)
    reminder_time = _reminder_time(fields)
    zone = _timezone(fields)
    language = fields.choice("preferred_language", LANGUAGES)
    mobile = patient.mobile
    if "mobile" in data:
        mobile = fields.mobile("mobile", current_app.config["CLINIC_COUNTRY"])
    sms_reminders = _sms_reminders(fields, data, patient, mobile)
    fields.done()
    _texts(patient, mobile, sms_reminders, now)

    wanted = {
        "email_reminders": email_reminders,
        "reminder_time": reminder_time,
        "timezone": zone,
        "preferred_language": language,
    }
    changed = [name for name, value in wanted.items() if getattr(patient, name) != value]
    for name in changed:
        if name == "timezone":  # today's check-in day keeps its zone; the new one applies tomorrow
            checkins.change_timezone(patient, zone, now)
        else:
            setattr(patient, name, wanted[name])
    if "timezone" in changed:
        db.session.flush()
        buckets.rebuild_patient(patient)  # day 0 is the procedure's date in the patient's zone
    # Pending reminders move to the new time or zone (or lose their e-mail copy) at once.
    outbox.sync_patient(patient, now)
    return changed


def _sms_reminders(fields: Fields, data, patient: Patient, mobile: str | None) -> bool:
    if "sms_reminders" not in data:
        return patient.sms_reminders and bool(mobile)
    wanted = fields.boolean("sms_reminders")
    if wanted and not mobile and "mobile" not in fields.errors:
        fields.fail("mobile", _l("Enter your mobile number to get your reminders by text."))
    return bool(wanted) and bool(mobile)


def _texts(patient: Patient, mobile: str | None, sms_reminders: bool, now: datetime) -> None:
    """The mobile number and the choice of texts; choosing texts here is the patient's consent
    (recorded with when, how and by whom) when none is on record. A new number starts afresh:
    its own opt-out (if it ever sent STOP), no pause."""
    if mobile != patient.mobile:
        patient.mobile = mobile
        patient.sms_paused_at = None
        patient.sms_opted_out = bool(mobile) and texts.opted_out(mobile)
    if sms_reminders and patient.sms_consent_at is None:
        patient.sms_consent_at, patient.sms_consent_method = now, "settings"
        patient.sms_consent_by_id = patient.user_id
    patient.sms_reminders = sms_reminders


def _email_reminders(fields: Fields, patient: Patient) -> bool:
    if not patient.email:
        # Without an address the choice means nothing; keep what is stored, but never pretend.
        if fields.raw("email_reminders") in (None, "", "no"):
            return patient.email_reminders
        fields.fail(
            "email_reminders",
            _l(
                "The clinic has no e-mail address for you, so reminders come only here in Recovery. "
                "To get them by e-mail, ask the clinic to add your address."
            ),
        )
        return patient.email_reminders
    return fields.boolean("email_reminders")


def _reminder_time(fields: Fields) -> time | None:
    if fields.raw("reminder_time") in (None, ""):
        fields.fail("reminder_time", _l("Please enter a time (HH:MM)."))
        return None
    value = fields.clock("reminder_time")
    if value is None:
        return None
    if value.tzinfo is not None:  # "08:00+02:00": the zone is chosen separately
        fields.fail("reminder_time", _l("Please enter a time (HH:MM)."))
        return None
    value = value.replace(second=0, microsecond=0)
    if not EARLIEST <= value <= LATEST:
        fields.fail(
            "reminder_time",
            _l(
                "Choose a time between %(start)s and %(end)s.",
                start=EARLIEST.strftime("%H:%M"),
                end=LATEST.strftime("%H:%M"),
            ),
        )
        return None
    return value


def _timezone(fields: Fields) -> str | None:
    value = fields.raw("timezone")
    if not isinstance(value, str) or value not in _iana_zones():
        fields.fail("timezone", _l("Please choose a valid time zone."))
        return None
    return value
