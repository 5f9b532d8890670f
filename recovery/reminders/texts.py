"""Text messages: their words (short, no clinical detail, in the patient's language), how many
segments they take, and the per-number state every text obeys (opt-outs, pauses).

A text stays within two segments: 306 characters in GSM-7 (an extension character such as
"€" or "[" counts twice), or 134 UTF-16 units as soon as one character is outside GSM-7 (an
"á" or "í" in Spanish): the link counts too. A text that cannot be made to fit is refused
(TooLong), never sent in three parts.
"""

import math
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from ..extensions import db
from ..models import CallTask, Patient, SmsOptOut
from . import outbox

MAX_SEGMENTS = 2
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")  # two septets each
FIX_CONTACT_DEADLINE = timedelta(hours=72)

WORDS = {
    "check_72h": _l("%(clinic)s: your 3-day check-in is due: %(link)s"),
    "check_72h_repeat": _l("%(clinic)s: a reminder, your 3-day check-in: %(link)s"),
    "daily_nudge": _l("%(clinic)s: time for today's check-in: %(link)s"),
    "follow_up_before": _l("%(clinic)s: your clinic appointment is in 2 days, %(when)s."),
    "follow_up_morning": _l("%(clinic)s: your clinic appointment is today, %(when)s."),
}
SCORE_HINT = _l("Or reply with your pain now, 0 to 10.")
FIRST_NOTICE = _l("Reply STOP to stop, HELP for help.")
HELP = _l("%(clinic)s: for help call %(phone)s. Reply STOP to stop texts.")
STOPPED = _l("%(clinic)s: you will get no more texts. Reply START to get them again.")
STARTED = _l("%(clinic)s: texts are on again. Reply STOP to stop, HELP for help.")
# The score is not repeated back: a text carries no clinical detail, the patient's own neither.
SCORE_SAVED = _l("%(clinic)s: thank you, your answer is saved. Finish today's check-in: %(link)s")
HOW_TO_ANSWER = _l("%(clinic)s: to record your pain now, reply with one whole number from 0 to 10, "
                   "or use the link in our last text.")
NOT_WATCHED = _l("%(clinic)s: this number is not watched around the clock; for an emergency call 911.")


class TooLong(ValueError):
    """A text that would take more than MAX_SEGMENTS segments."""


def is_gsm7(text: str) -> bool:
    return all(c in GSM7 or c in GSM7_EXTENSION for c in text)


def segments(text: str) -> int:
    """How many SMS segments `text` is sent as (GSM-7 when it can be, else UCS-2)."""
    if is_gsm7(text):
        septets = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
        return 1 if septets <= 160 else math.ceil(septets / 153)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)


def fit(required: str, *optional: str) -> str:
    """`required` followed by as many of the `optional` pieces (in order) as keep the text
    within MAX_SEGMENTS; TooLong when even `required` does not fit."""
    text = required
    if segments(text) > MAX_SEGMENTS:
        raise TooLong(f"a text of {len(text)} characters takes {segments(text)} segments")
    for piece in optional:
        longer = f"{text} {piece}"
        if segments(longer) <= MAX_SEGMENTS:
            text = longer
    return text


def clinic() -> str:
    """Who a text is from: SMS_CLINIC_NAME (a shorter name leaves the words more room), else CLINIC_NAME."""
    return current_app.config.get("SMS_CLINIC_NAME") or current_app.config["CLINIC_NAME"]


def reminder_text(kind: str, language: str, link: str | None, when: str | None, first: bool) -> str:
    """The text for one reminder: who it is from, what is due and its link; the first text a
    number gets also says how to stop (it is required, and kept over the score hint)."""
    with force_locale(language):
        body = str(WORDS[kind]) % {"clinic": clinic(), "link": link or "", "when": when or ""}
        required = f"{body} {FIRST_NOTICE}" if first else body
        hint = (str(SCORE_HINT),) if kind == "daily_nudge" else ()
        return fit(required, *hint)


def reply_text(words, language: str, **values) -> str:
    """An answer to a patient's text, in their language, within the segment limit when it can
    be (an answer is never withheld for its length: a long BASE_URL is logged instead)."""
    with force_locale(language):
        phone = current_app.config["CLINIC_PHONE_DAY"]
        text = str(words) % {"clinic": clinic(), "phone": phone, **values}
    try:
        return fit(text)
    except TooLong as error:
        current_app.logger.warning("an answer to a text is too long (%s); set SMS_CLINIC_NAME", error)
        return text


def opted_out(number: str) -> bool:
    return db.session.get(SmsOptOut, number) is not None


def opt_out(number: str, now: datetime, source: str, keyword: str | None = None) -> None:
    """Record that `number` wants no texts; every patient with it stops at once: their pending
    texts are cancelled now (and any already claimed, when the dispatcher re-checks them)."""
    if db.session.get(SmsOptOut, number) is None:
        db.session.add(SmsOptOut(number=number, opted_out_at=now, source=source,
                                 keyword=(keyword or "")[:64] or None))
    _resync(number, now, sms_opted_out=True)


def opt_in(number: str, now: datetime) -> None:
    """START: the number may be texted again. The texts its STOP cancelled that are still ahead
    come back (they were never sent), and the rules then settle them as for any change."""
    db.session.execute(delete(SmsOptOut).where(SmsOptOut.number == number))
    _resync(number, now, revive=True, sms_opted_out=False)


def _resync(number: str, now: datetime, revive: bool = False, **values) -> None:
    ids = list(db.session.scalars(update(Patient).where(Patient.mobile == number).values(**values)
                                  .returning(Patient.id).execution_options(synchronize_session=False)))
    if not ids:
        return
    if revive:
        outbox.revive(ids, "sms", now)
    db.session.expire_all()  # the patients' (and reminders') rows changed under the session
    outbox.sync(ids, now)


def pause(patient_id: int, now: datetime, reason: str) -> None:
    """The provider says the patient's number cannot receive texts: stop texting them and ask
    staff (a call task on their home page) to check the number; once while it stays paused."""
    patient = db.session.get(Patient, patient_id)
    if patient is None or patient.sms_paused_at is not None:
        return
    patient.sms_paused_at = now
    outbox.sync_patient(patient, now)  # their pending texts are cancelled now
    open_task = db.session.scalar(select(CallTask.id).where(
        CallTask.patient_id == patient_id, CallTask.reason == "fix_mobile", CallTask.closed_at.is_(None)))
    if open_task is None:
        db.session.add(CallTask(patient_id=patient_id, reason="fix_mobile", created_at=now,
                                due_by=now + FIX_CONTACT_DEADLINE, note=None))
    current_app.logger.warning("texts to patient %s paused: %s", patient_id, reason)
