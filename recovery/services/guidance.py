"""What a patient must do at once after reporting a red flag: one source for the web page and the API."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .alerts import EMERGENCY_FLAGS, FLAG_LABELS

CALL_911 = "call_911"
CALL_CLINIC = "call_clinic"
NOT_WATCHED = _l(
    "Your check-in is saved and the clinic team will see it, but check-ins are not watched "
    "around the clock: do not wait for the clinic to call you."
)
# When the save failed (the database is full, read-only or down): nothing reached the clinic.
NOT_SAVED_TITLE = _l("Check-in not saved")
NOT_SAVED = _l("We could not save your check-in: call the clinic now.")
NOT_SAVED_911 = _l("If you cannot reach the clinic and it feels like an emergency, call 911.")
NOT_SAVED_WATCH = _l(
    "The clinic has not received these answers: tell them on the phone what you answered."
)


@dataclass(frozen=True)
class UrgentGuidance:
    """The urgent page's words and numbers, as plain values (strings in the current language)."""

    action: str  # CALL_911 or CALL_CLINIC
    title: str
    message: str
    then: str | None  # what to do next, shown with the clinic's numbers
    after: str | None  # shown below the numbers
    phone_day: str
    phone_after_hours: str
    flags: list[str]
    flag_labels: dict[str, str]  # flag -> what the patient answered yes to
    not_watched: str

    @property
    def emergency(self) -> bool:
        return self.action == CALL_911


def urgent_guidance(flags: list[str], saved: bool = True) -> UrgentGuidance | None:
    """The guidance for these red flags (None when there are none): 911 for chest pain, else the clinic.

    Worked out from the flags and the config alone (no database), so a check-in whose save
    failed still gets it (`saved=False`: the clinic has not seen the answers)."""
    if not flags:
        return None
    config = current_app.config
    emergency = any(flag in EMERGENCY_FLAGS for flag in flags)
    if emergency:
        title = _l("Call 911 now")
        message = _l(
            "Chest pain or shortness of breath after this procedure can be serious. "
            "Call 911 now; do not wait and do not drive yourself."
        )
        then = None
        if len(flags) > 1:
            then = _l("When you are safe, also tell the clinic about the other answers below:")
        after = None
    else:
        title = _l("Call the clinic now")
        message = _l("Your answers need to be looked at by the clinic today. Please call now:")
        then = None
        after = _l(
            "If you cannot reach the clinic, go to the nearest emergency room. "
            "If it feels like an emergency, call 911."
        )
    return UrgentGuidance(
        action=CALL_911 if emergency else CALL_CLINIC,
        title=str(title),
        message=str(message),
        then=str(then) if then else None,
        after=str(after) if after else None,
        phone_day=config["CLINIC_PHONE_DAY"],
        phone_after_hours=config["CLINIC_PHONE_AFTER_HOURS"],
        flags=list(flags),
        flag_labels={flag: str(FLAG_LABELS[flag]) for flag in flags},
        not_watched=str(NOT_WATCHED if saved else NOT_SAVED_WATCH),
    )


@dataclass(frozen=True)
class TodayNotice:
    """The urgent notice on the patient's Today page, built from the red-flag alerts.

    `open` while any red-flag alert is unacknowledged (the guidance stays on top); once the
    clinic has acknowledged them all, `seen_at` says when (for `SEEN_FOR` afterwards)."""

    open: bool
    reported_at: datetime  # UTC: when the patient told us (the earliest open, or the latest seen)
    seen_at: datetime | None
    guidance: UrgentGuidance


SEEN_FOR = timedelta(days=7)  # how long "the clinic saw it" stays on Today after acknowledgement


def today_notice(patient, now: datetime) -> TodayNotice | None:
    """The urgent notice for Today: open red-flag alerts first; else the latest one seen recently."""
    from ..extensions import db
    from ..models import Alert

    alerts = list(db.session.scalars(
        select(Alert).where(Alert.patient_id == patient.id, Alert.kind == "red_flag")
        .order_by(Alert.created_at)
    ))
    still_open = [a for a in alerts if a.acknowledged_at is None]
    if still_open:
        flags = list(dict.fromkeys(a.detail for a in still_open))
        return TodayNotice(True, still_open[0].created_at, None, urgent_guidance(flags))
    seen = [a for a in alerts if a.acknowledged_at is not None and now - a.acknowledged_at <= SEEN_FOR]
    if not seen:
        return None
    latest = max(seen, key=lambda a: a.created_at)
    same = [a for a in seen if a.checkin_id == latest.checkin_id]
    flags = list(dict.fromkeys(a.detail for a in same))
    return TodayNotice(False, latest.created_at, max(a.acknowledged_at for a in same), urgent_guidance(flags))
