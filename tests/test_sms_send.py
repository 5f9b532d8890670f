"""Texts through the SMS sink as a real HTTP server: consent, quiet hours, the first text's
notice, the segment limit in Spanish, refusals (21610, an invalid number) and retries."""

from datetime import timedelta

from sqlalchemy import select

from recovery.extensions import db
from recovery.jobs import dispatch_due
from recovery.models import CallTask, Reminder, SmsOptOut
from recovery.reminders import texts as words

from .conftest import NOW
from .sms_helpers import MOBILE, SENDER, sms_sink, texting_patient, texts

AT = NOW + timedelta(hours=72)  # 09:00 in Chicago: the 72-hour check-in is due


def _sms(patient_id=None):
    query = select(Reminder).where(Reminder.channel == "sms")
    if patient_id is not None:
        query = query.where(Reminder.patient_id == patient_id)
    db.session.expire_all()
    return db.session.scalars(query.order_by(Reminder.due_at, Reminder.id)).all()


def test_no_text_without_consent_and_the_first_text_says_who_and_how_to_stop(app, make_patient, tmp_path, smtp_sink):
    with sms_sink(app, tmp_path) as sink:
        consented = texting_patient(make_patient, NOW)
        texting_patient(make_patient, NOW, mobile="+12195550124", sms_consent_at=None, sms_consent_method=None)
        dispatch_due(AT)
        sent = texts(sink)
        assert [t["to"] for t in sent] == [MOBILE]  # the patient without consent gets none
        first = sent[0]["body"]
        assert first.startswith(f"{app.config['CLINIC_NAME']}: ") and "3-day check-in" in first
        assert first.endswith("Reply STOP to stop, HELP for help.")
        check = next(r for r in _sms(consented.id) if r.kind == "check_72h")
        assert sent[0]["from"] == SENDER and sent[0]["status_callback"].endswith(f"/sms/status?r={check.id}")
        assert words.segments(first) <= 2

        dispatch_due(AT + timedelta(hours=23))  # the repeat (held to 08:00): the notice was given once
        second = texts(sink)[1]["body"]
        assert "Reply STOP" not in second and "3-day check-in" in second


def test_texts_carry_no_clinical_detail(app, make_patient, tmp_path, smtp_sink):
    with sms_sink(app, tmp_path) as sink:
        texting_patient(make_patient, NOW, name="Rosa Delgado", baseline_pain=9)
        dispatch_due(AT)
        body = texts(sink)[0]["body"]
        for detail in ("Rosa", "Delgado", "kyphoplasty", "L1", "pain 9", "osteoporosis"):
            assert detail not in body


def test_quiet_hours_hold_a_text_until_eight_in_the_morning(app, make_patient, tmp_path, smtp_sink):
    with sms_sink(app, tmp_path) as sink:
        patient = texting_patient(make_patient, NOW)
        late = AT + timedelta(hours=13)  # 22:00 in Chicago: the schedulers were down since 09:00
        report = dispatch_due(late)
        assert texts(sink) == [] and report.held
        check = next(r for r in _sms(patient.id) if r.kind == "check_72h")
        assert check.status == "pending" and check.next_attempt_at == AT + timedelta(hours=23)
        dispatch_due(AT + timedelta(hours=23))  # 08:00
        assert any("3-day check-in is due" in t["body"] for t in texts(sink))


def test_a_spanish_text_with_an_accent_stays_within_two_ucs2_segments(app, make_patient, tmp_path, smtp_sink):
    app.config["CLINIC_NAME"] = "Clínica de Columna San José"  # not GSM-7: the whole text is UCS-2
    with sms_sink(app, tmp_path) as sink:
        texting_patient(make_patient, NOW, preferred_language="es")
        dispatch_due(NOW + timedelta(days=1, hours=9))  # day 1's nudge, 18:00 in Chicago
        (text,) = texts(sink)
        body = text["body"]
        assert not words.is_gsm7(body)
        assert len(body.encode("utf-16-le")) // 2 <= 134 and words.segments(body) <= 2
        assert "/c/" in body  # the link is included
        assert "Responda STOP" in body  # the first text's notice, in Spanish, kept over the hint


def test_the_segment_count_follows_the_encoding():
    assert words.segments("a" * 160) == 1 and words.segments("a" * 161) == 2
    assert words.segments("a" * 306) == 2 and words.segments("a" * 307) == 3
    assert words.segments("[" * 153) == 2  # GSM-7's extension characters take two septets
    assert words.segments("á" * 70) == 1 and words.segments("á" * 134) == 2 and words.segments("á" * 135) == 3
    assert words.segments("ñé¿¡ü" * 30) == 1  # GSM-7 has these


def test_a_number_twilio_says_opted_out_fails_at_once_and_is_never_texted_again(app, make_patient, tmp_path, smtp_sink):
    with sms_sink(app, tmp_path, refuse={MOBILE: 21610}) as sink:
        patient = texting_patient(make_patient, NOW)
        report = dispatch_due(AT)
        refused = next(r for r in _sms(patient.id) if r.kind == "check_72h")
        assert refused.status == "failed" and refused.attempts == 1 and "21610" in refused.last_error
        assert refused.id in report.failed and refused.id not in report.retried
        assert db.session.get(SmsOptOut, MOBILE).source == "refused"
        sink.refuse = {}
        dispatch_due(AT + timedelta(hours=23))
        assert texts(sink) == []
        assert all(r.status in ("failed", "cancelled") for r in _sms(patient.id) if r.due_at <= AT + timedelta(hours=23))


def test_an_invalid_number_pauses_texts_and_asks_staff_to_fix_it(app, make_patient, tmp_path, smtp_sink):
    with sms_sink(app, tmp_path, refuse={MOBILE: 21211}):
        patient = texting_patient(make_patient, NOW)
        dispatch_due(AT)
        db.session.expire_all()
        assert patient.sms_paused_at is not None
        (task,) = db.session.scalars(select(CallTask).where(CallTask.reason == "fix_mobile")).all()
        assert task.patient_id == patient.id and task.closed_at is None


def test_429s_and_a_slow_provider_are_retried_with_the_email_backoff_and_end_visibly(app, make_patient, tmp_path, smtp_sink):
    with sms_sink(app, tmp_path, throttle_every=1) as sink:  # every request answered 429
        patient = texting_patient(make_patient, NOW)
        at, waits = AT, []
        for _ in range(5):
            dispatch_due(at)
            row = next(r for r in _sms(patient.id) if r.kind == "check_72h")
            if row.status == "failed":
                break
            waits.append(row.next_attempt_at - at)
            at = row.next_attempt_at
        assert waits == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4), timedelta(minutes=8)]
        assert row.status == "failed" and row.attempts == 5 and "429" in row.last_error
        assert texts(sink) == []


def test_a_provider_that_does_not_answer_in_time_is_retried_not_lost(app, make_patient, tmp_path, smtp_sink):
    with sms_sink(app, tmp_path, delay=1.0) as sink:
        app.config["SMS_TIMEOUT"] = 0.2
        patient = texting_patient(make_patient, NOW)
        report = dispatch_due(AT)
        row = next(r for r in _sms(patient.id) if r.kind == "check_72h")
        assert row.status == "pending" and row.attempts == 1 and "Timeout" in row.last_error
        assert row.id in report.retried
        sink.delay = 0
        app.config["SMS_TIMEOUT"] = 10
        dispatch_due(row.next_attempt_at)
        row = next(r for r in _sms(patient.id) if r.kind == "check_72h")
        assert row.status == "sent" and row.attempts == 1
        # The retry reached the sink. (The sink also kept the first request, which it finished
        # after the channel gave up: the one case a patient can get a text twice; sms_api.py.)
        assert texts(sink)[-1]["status_callback"].endswith(f"?r={row.id}")
