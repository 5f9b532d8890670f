"""Twilio's webhooks: only signed requests count; STOP/START/HELP and plain requests in English
and Spanish; a numeric reply becomes today's incomplete check-in once; other texts reach the
clinic; status callbacks are recorded once and a permanent failure asks staff to fix the number."""

import html as html_lib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from recovery.extensions import db
from recovery.models import (
    RED_FLAGS,
    Alert,
    CallTask,
    CheckIn,
    Reminder,
    ReminderDelivery,
    SmsMessage,
    SmsOptOut,
    utcnow,
)
from recovery.reminders import outbox
from recovery.services.triage import triage_list

from .sms_helpers import ACCOUNT, MOBILE, TOKEN, nudged, sign, texting_patient

INBOUND = "http://localhost/sms/inbound"


@pytest.fixture
def twilio(app):
    app.config.update(TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_AUTH_TOKEN=TOKEN, TWILIO_FROM="+12195550100")
    counter = iter(range(1, 10_000))

    def text(client, body, number=MOBILE, sid=None, token=TOKEN, url=INBOUND, **extra):
        params = {"MessageSid": sid or f"SM{next(counter):032d}", "AccountSid": ACCOUNT, "From": number,
                  "To": "+12195550100", "Body": body, **extra}
        return client.post(url.removeprefix("http://localhost"), data=params,
                           headers={"X-Twilio-Signature": sign(url, params, token)})

    return text


def _reply(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_data(as_text=True)
    return body.split("<Message>")[1].split("</Message>")[0] if "<Message>" in body else ""


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_signature_is_checked_over_the_url_and_every_parameter(app, client, twilio, make_patient):
    texting_patient(make_patient, utcnow())
    assert twilio(client, "hello", Extra="kept out of the decision", NumMedia="0").status_code == 200
    assert _count(SmsMessage) == 1
    params = {"MessageSid": "SM1", "From": MOBILE, "Body": "hello"}
    signed = sign(INBOUND, params)
    refused = [
        client.post("/sms/inbound", data=params),  # unsigned
        client.post("/sms/inbound", data=params, headers={"X-Twilio-Signature": sign(INBOUND, params, "wrong")}),
        client.post("/sms/inbound", data={**params, "Body": "changed"}, headers={"X-Twilio-Signature": signed}),
        client.post("/sms/inbound", data={**params, "Extra": "added"}, headers={"X-Twilio-Signature": signed}),
        client.post("/sms/inbound?x=1", data=params, headers={"X-Twilio-Signature": signed}),  # changed URL
        client.post("/sms/inbound", data=params,
                    headers={"X-Twilio-Signature": sign("https://elsewhere.example/sms/inbound", params)}),
    ]
    assert [r.status_code for r in refused] == [403] * 6
    assert _count(SmsMessage) == 1 and _count(Alert) == 1  # nothing written by any of them
    huge = client.post("/sms/inbound", data={**params, "Body": "x" * 20_000},
                       headers={"X-Twilio-Signature": sign(INBOUND, {**params, "Body": "x" * 20_000})})
    assert huge.status_code == 413 and _count(SmsMessage) == 1


@pytest.mark.parametrize(("stop", "language"), [
    ("STOP", "en"), ("stop", "en"), ("Unsubscribe", "en"), ("QUIT", "en"), ("OPTOUT", "en"), ("Revoke", "en"),
    ("please stop texting me", "en"), ("No more texts!", "en"), ("don't text me", "en"),
    ("Don’t text me again", "en"), ("PARA", "es"), ("Basta", "es"),
    ("cancelar", "es"), ("no más mensajes por favor", "es"), ("dejen de enviar mensajes", "es"),
    ("ya no quiero recibir mensajes", "es"),
])
def test_stop_and_plain_requests_opt_the_number_out_until_start(app, client, twilio, stop, language):
    reply = _reply(twilio(client, stop, number="+12195550777"))  # a number no patient has
    assert db.session.get(SmsOptOut, "+12195550777") is not None
    assert ("START" in reply) and (("no recibirá" in reply) if language == "es" else ("no more texts" in reply))
    assert "on again" in _reply(twilio(client, "START", number="+12195550777"))
    assert db.session.get(SmsOptOut, "+12195550777") is None


@pytest.mark.parametrize("body", ["I don't have pain today, text me tomorrow", "Can you stop by the pharmacy?",
                                  "No more pain since Tuesday!", "para mañana tengo cita"])
def test_a_text_that_only_mentions_stopping_is_not_an_opt_out(app, client, twilio, body):
    twilio(client, body, number="+12195550781")
    assert db.session.get(SmsOptOut, "+12195550781") is None


def test_an_opt_out_reaches_the_patient_and_their_pending_texts(app, client, twilio, make_patient):
    patient = texting_patient(make_patient, utcnow())

    def pending_texts() -> int:
        db.session.expire_all()
        return db.session.scalar(select(func.count()).select_from(Reminder).where(
            Reminder.patient_id == patient.id, Reminder.channel == "sms", Reminder.status == "pending"))

    outbox.sync_patient(patient, utcnow())
    db.session.commit()
    assert pending_texts() > 0
    twilio(client, "STOP")
    db.session.expire_all()
    assert patient.sms_opted_out and pending_texts() == 0  # cancelled at once
    twilio(client, "START")
    db.session.expire_all()
    assert not patient.sms_opted_out and pending_texts() > 0


def test_twilios_own_opt_out_handling_is_recorded_without_a_second_confirmation(app, client, twilio):
    assert _reply(twilio(client, "STOP", OptOutType="STOP")) == ""
    assert db.session.get(SmsOptOut, MOBILE).source == "twilio"
    assert _reply(twilio(client, "START", OptOutType="START")) == ""
    assert db.session.get(SmsOptOut, MOBILE) is None


def test_help_answers_with_the_clinics_name_and_phone(app, client, twilio, make_patient):
    texting_patient(make_patient, utcnow(), preferred_language="es")
    reply = _reply(twilio(client, "HELP"))
    assert app.config["CLINIC_NAME"] in reply and app.config["CLINIC_PHONE_DAY"] in reply
    assert "llame" in reply  # in the patient's language
    assert "help call" in _reply(twilio(client, "help", number="+12195550778"))
    assert "llame" in _reply(twilio(client, "AYUDA", number="+12195550779"))  # Spanish, from the word


def test_spanish_start_resumes_in_spanish(app, client, twilio):
    assert "no recibirá" in _reply(twilio(client, "BASTA", number="+12195550780"))
    assert "activos" in _reply(twilio(client, "COMENZAR", number="+12195550780"))
    assert db.session.get(SmsOptOut, "+12195550780") is None


def test_a_score_in_reply_to_a_nudge_is_recorded_once_as_an_incomplete_checkin(app, client, twilio, make_patient,
                                                                               login):
    now = utcnow()
    patient = texting_patient(make_patient, now - timedelta(days=3))
    nudged(patient, now)
    first = twilio(client, "4", sid="SM-score")
    again = twilio(client, "4", sid="SM-score")  # Twilio retried the same message
    reply = _reply(first)
    assert "your answer is saved" in reply and "/c/" in reply  # a link to finish it
    assert "4" not in reply.split("/c/")[0]  # the score is not repeated back (no clinical detail)
    assert _reply(again) == ""
    (checkin,) = db.session.scalars(select(CheckIn)).all()
    assert checkin.pain_now == 4 and not checkin.complete
    assert all(getattr(checkin, flag) is None for flag in RED_FLAGS)  # unanswered, never "no"
    assert checkin.worst_pain is None and checkin.walking_level is None
    assert _count(SmsMessage) == 1
    link = reply.split(" ")[-1].removeprefix("http://localhost")
    assert client.get(link).status_code == 200  # the link opens today's check-in to finish it
    login(patient.user)
    home = html_lib.unescape(client.get("/patient/").get_data(as_text=True))
    assert "The pain score you texted is saved" in home and "Your warning sign is saved" not in home


@pytest.mark.parametrize("body", ["11", "-1", "7.5", "seven", "siete"])
def test_a_reply_that_is_not_a_score_is_kept_and_the_patient_told_how_to_answer(app, client, twilio,
                                                                                make_patient, body):
    now = utcnow()
    patient = texting_patient(make_patient, now - timedelta(days=3))
    nudged(patient, now)
    reply = _reply(twilio(client, body))
    assert "0 to 10" in reply
    assert _count(CheckIn) == 0
    (message,) = db.session.scalars(select(SmsMessage)).all()
    assert message.body == body and message.kind == "bad_score"


def test_a_text_reply_is_on_the_triage_list_and_the_patient_page(app, client, twilio, make_patient, make_user,
                                                                 login):
    patient = texting_patient(make_patient, utcnow() - timedelta(days=3))
    first = _reply(twilio(client, "My back feels better, can I drive?"))
    assert "not watched around the clock" in first and "911" in first
    assert _reply(twilio(client, "Also, when is my visit?")) == ""  # the notice once a day
    items = [i for i in triage_list(utcnow()) if i.patient_id == patient.id]
    assert [(i.kind, i.severity) for i in items] == [("text_message", "routine")] * 2
    login(make_user("clinician"))
    page = client.get(f"/clinic/patients/{patient.id}").get_data(as_text=True)
    assert "My back feels better, can I drive?" in page and "Also, when is my visit?" in page
    assert "Sent a text" in client.get("/clinic/").get_data(as_text=True)


def _status(client, reminder_id, sid, status, token=TOKEN, **extra):
    url = f"http://localhost/sms/status?r={reminder_id}"
    params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": ACCOUNT, **extra}
    return client.post(f"/sms/status?r={reminder_id}", data=params,
                       headers={"X-Twilio-Signature": sign(url, params, token)})


def test_status_callbacks_are_recorded_once_each_and_a_permanent_failure_asks_staff(app, client, twilio,
                                                                                    make_patient):
    now = utcnow()
    patient = texting_patient(make_patient, now - timedelta(days=3))
    nudged(patient, now)
    reminder = db.session.scalar(select(Reminder).where(Reminder.channel == "sms", Reminder.status == "sent"))
    answers = [_status(client, reminder.id, "SM-a", s).status_code for s in ("queued", "sent", "sent", "delivered",
                                                                           "delivered")]
    assert answers == [200] * 5
    rows = db.session.scalars(select(ReminderDelivery).order_by(ReminderDelivery.id)).all()
    assert [(r.reminder_id, r.provider_id, r.status) for r in rows] == [
        (reminder.id, "SM-a", "queued"), (reminder.id, "SM-a", "sent"), (reminder.id, "SM-a", "delivered")]
    assert _status(client, reminder.id, "SM-a", "failed", token="wrong").status_code == 403
    assert _count(ReminderDelivery) == 3

    _status(client, reminder.id, "SM-b", "undelivered", ErrorCode="30003")
    _status(client, reminder.id, "SM-b", "undelivered", ErrorCode="30003")
    db.session.expire_all()
    assert patient.sms_paused_at is not None
    (task,) = db.session.scalars(select(CallTask).where(CallTask.reason == "fix_mobile")).all()
    assert task.patient_id == patient.id
    (failure,) = db.session.scalars(select(ReminderDelivery).where(ReminderDelivery.provider_id == "SM-b")).all()
    assert (failure.status, failure.error_code) == ("undelivered", 30003)


def test_the_webhooks_are_rate_limited_per_address(app, _schema, tmp_path):
    from .conftest import _make_app

    limited = _make_app(_schema, tmp_path / "limited", RATELIMIT_ENABLED=True, SMS_WEBHOOK_RATE_LIMIT="3 per minute",
                        TWILIO_AUTH_TOKEN=TOKEN)
    client = limited.test_client()
    try:
        codes = [client.post("/sms/inbound", data={"Body": "x"}, environ_base={"REMOTE_ADDR": "203.0.113.7"})
                 .status_code for _ in range(4)]
        assert codes == [403, 403, 403, 429]  # unsigned: refused, and counted
        other = client.post("/sms/status", data={}, environ_base={"REMOTE_ADDR": "198.51.100.2"})
        assert other.status_code == 403
    finally:
        with limited.app_context():
            db.engine.dispose()
