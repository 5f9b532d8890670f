"""Texts from patients and the provider's reports on ours (Twilio's webhooks, recovery/texting/).

Inbound: each MessageSid is handled once (a unique key). STOP and its synonyms (English and
Spanish) or a plain request ("stop texting me") opt the number out; START resumes; HELP answers
with the clinic's name and phone. When Twilio handled the keyword itself (OptOutType) it has
already answered: we record it and answer nothing. A whole number 0-10 in reply to a check-in
text is today's "pain now", kept as an incomplete check-in and answered with a link to finish
it; a reply that looks like a score but is not one is kept and answered with how to reply; any
other text is kept for the clinic (the patient's page, a routine triage item) and answered, at
most once a day per number, with the notice that the number is not watched around the clock.

Status callbacks: each (message sid, status) is recorded once against its reminder; a
permanent failure pauses the patient's texts and asks staff to check the number.
"""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from twilio.request_validator import RequestValidator

from ..extensions import db
from ..models import SMS_BODY_MAX, Alert, Patient, Reminder, SmsMessage
from ..reminders import ledger, links, mail, texts
from ..urls import external_url
from . import checkins

STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", "OPT-OUT",
              "PARA", "BASTA", "CANCELAR", "ALTO"}
START_WORDS = {"START", "UNSTOP", "YES", "COMENZAR", "REANUDAR"}
HELP_WORDS = {"HELP", "INFO", "AYUDA"}
SPANISH_WORDS = {"PARA", "BASTA", "CANCELAR", "ALTO", "COMENZAR", "REANUDAR", "AYUDA"}
# Revocation "by any reasonable means" (FCC): plain requests, in English and Spanish.
STOP_REQUESTS = re.compile(
    r"\b(stop|quit|cease|end)\s+(texting|sending|messaging|the texts|these texts|texts|messages)\b"
    r"|\bno more (texts?|messages?|sms)\b|\b(don['’]?t|do not|never)\s+(text|message|sms)\s+me\b"
    r"|\bunsubscribe\b|\bopt me out\b|\btake me off\b"
    r"|\bno m[aá]s (mensajes|textos|sms)\b|\bdej(en|e|ar) de (enviar|mandar|escribir)"
    r"|\bno (me )?(env[ií]en|manden|escriban) (m[aá]s )?(mensajes|textos)"
    r"|\bya no quiero (recibir )?(mensajes|textos)\b",
    re.IGNORECASE)
SPANISH_HINT = re.compile(r"\b(mensajes|textos|env[ií]en|manden|quiero|dejen)\b", re.IGNORECASE)
SCORE = re.compile(r"\d{1,2}")
LOOKS_LIKE_A_SCORE = re.compile(
    r"[+-]?\d+([.,]\d*)?(\s*/\s*10)?|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|cero|uno|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce", re.IGNORECASE)
NUDGE_WINDOW = timedelta(hours=24)  # a score replies to a check-in text sent within this
PERMANENT_FAILURES = {30003, 30005, 30006, 21211, 21614, 21612}  # unreachable, unknown, landline, invalid
STATUSES = tuple(ledger.PROVIDER_STEPS)  # Twilio's message statuses


def valid_signature(url: str, params: dict, signature: str | None) -> bool:
    """Twilio's request validation: the HMAC of `url` and every posted parameter, under the
    account's auth token. Without a token configured nothing is valid."""
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    if not token or not signature:
        return False
    return RequestValidator(token).validate(url, params, signature)


def _patient_for(number: str) -> Patient | None:
    return db.session.scalar(select(Patient).where(Patient.mobile == number)
                             .order_by(Patient.id.desc()).limit(1))


def _keyword(body: str) -> str:
    return body.strip().strip(".!¡?¿ ").upper()


def _language(patient: Patient | None, body: str) -> str:
    if patient is not None:
        return patient.preferred_language
    return "es" if _keyword(body) in SPANISH_WORDS or SPANISH_HINT.search(body) else "en"


def handle_inbound(params: dict, now: datetime) -> str | None:
    """Handle one inbound text (the webhook's posted parameters); the answer to send back, if any.
    A MessageSid seen before is not handled again (None)."""
    sid = str(params.get("MessageSid") or params.get("SmsSid") or "")[:64]
    number = str(params.get("From") or "")[:16]
    body = str(params.get("Body") or "")[:SMS_BODY_MAX]
    if not sid or not number:
        return None
    patient = _patient_for(number)
    message = SmsMessage(message_sid=sid, from_number=number, patient_id=patient.id if patient else None,
                         body=body, received_at=now, kind="text")
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        return None  # handled already (Twilio retries a webhook it thinks failed)
    language = _language(patient, body)
    reply = _handle(message, patient, str(params.get("OptOutType") or "").upper(), language, now)
    message.reply = reply
    return reply


def _handle(message: SmsMessage, patient: Patient | None, opt_out_type: str, language: str,
            now: datetime) -> str | None:
    body, number, word = message.body, message.from_number, _keyword(message.body)
    if opt_out_type in ("STOP", "START", "HELP"):  # Twilio answered already: record, answer nothing
        message.kind = opt_out_type.lower()
        if opt_out_type == "STOP":
            texts.opt_out(number, now, "twilio", word)
        elif opt_out_type == "START":
            texts.opt_in(number, now)
        return None
    if word in STOP_WORDS or STOP_REQUESTS.search(body):
        message.kind = "stop"
        texts.opt_out(number, now, "keyword" if word in STOP_WORDS else "request", body)
        return texts.reply_text(texts.STOPPED, language)
    if word in START_WORDS:
        message.kind = "start"
        texts.opt_in(number, now)
        return texts.reply_text(texts.STARTED, language)
    if word in HELP_WORDS:
        message.kind = "help"
        return texts.reply_text(texts.HELP, language)
    if patient is not None and _asked_for_checkin(patient, now):
        stripped = body.strip()
        if SCORE.fullmatch(stripped) and int(stripped) <= 10:
            checkin = checkins.save_texted_pain(patient, int(stripped), now)
            if checkin is not None:
                message.kind, message.checkin_id = "pain", checkin.id
                day = checkins.local_today(patient, now)
                (token,) = links.issue_checkin_links([(patient.id, day)], now, nbytes=16)
                return texts.reply_text(texts.SCORE_SAVED, language,
                                        link=external_url("links.checkin", token=token))
        elif LOOKS_LIKE_A_SCORE.fullmatch(stripped):
            message.kind = "bad_score"
            return texts.reply_text(texts.HOW_TO_ANSWER, language)
    return _keep_for_the_clinic(message, patient, language, now)


def _asked_for_checkin(patient: Patient, now: datetime) -> bool:
    """Was this patient sent a check-in text lately (a score replies to one)?"""
    return db.session.scalar(select(Reminder.id).where(
        Reminder.patient_id == patient.id, Reminder.channel == "sms", Reminder.status == "sent",
        Reminder.kind.in_(mail.CHECKIN_KINDS), Reminder.sent_at >= now - NUDGE_WINDOW).limit(1)) is not None


def _keep_for_the_clinic(message: SmsMessage, patient: Patient | None, language: str,
                         now: datetime) -> str | None:
    """A text for people to read: a routine triage item, and the notice once a day."""
    message.kind = "text"
    db.session.flush()
    if patient is not None:
        db.session.add(Alert(patient_id=patient.id, kind="text_message", detail=f"sms:{message.id}",
                             severity="routine", created_at=now))
    clinic_zone = ZoneInfo(current_app.config["CLINIC_TIMEZONE"])
    local = now.astimezone(clinic_zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    noticed = db.session.scalar(select(SmsMessage.id).where(
        SmsMessage.from_number == message.from_number, SmsMessage.notice.is_(True),
        SmsMessage.received_at >= midnight, SmsMessage.id != message.id).limit(1))
    if noticed is not None:
        return None
    message.notice = True
    return texts.reply_text(texts.NOT_WATCHED, language)


def record_status(reminder_id, params: dict, now: datetime) -> bool:
    """One status callback for a reminder's text: recorded once per (message, status); a
    permanent failure pauses the patient's texts (or, for 21610, opts the number out).
    False when it names no text reminder (nothing is written)."""
    sid = str(params.get("MessageSid") or params.get("SmsSid") or "")[:64]
    status = str(params.get("MessageStatus") or params.get("SmsStatus") or "").lower()
    try:
        reminder = db.session.get(Reminder, int(reminder_id))
    except (TypeError, ValueError, OverflowError):
        reminder = None
    if reminder is None or reminder.channel != "sms" or not sid or status not in STATUSES:
        return False
    code = str(params.get("ErrorCode") or "")
    error_code = int(code) if code.isdigit() and len(code) < 9 else None
    if not ledger.record(reminder.id, "sms", ledger.PROVIDER_STEPS[status], status, now, sid, error_code):
        return True  # this status of this message was recorded before
    if status in ("failed", "undelivered") and reminder.patient_id is not None:
        if error_code == 21610:
            patient = db.session.get(Patient, reminder.patient_id)
            if patient is not None and patient.mobile:
                texts.opt_out(patient.mobile, now, "refused", "21610")
        elif error_code in PERMANENT_FAILURES:
            texts.pause(reminder.patient_id, now, f"{status} {error_code}")
    return True


def patient_messages(patient: Patient, limit: int = 20) -> list[SmsMessage]:
    """The texts a patient sent lately, newest first (their page)."""
    return list(db.session.scalars(
        select(SmsMessage).where(SmsMessage.patient_id == patient.id)
        .order_by(SmsMessage.received_at.desc(), SmsMessage.id.desc()).limit(limit)))
