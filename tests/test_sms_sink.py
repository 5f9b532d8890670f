"""The SMS sink and the app, both real HTTP servers: status callbacks reach the app and move the
reminder's delivery events, a patient's reply is posted to the inbound webhook signed like
Twilio's, and two dispatchers racing over a slow sink that answers some 429s text once each."""

import json
import threading
import time
import urllib.request
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from recovery.extensions import db
from recovery.jobs import dispatch_due
from recovery.models import CallTask, CheckIn, Reminder, ReminderDelivery, utcnow

from .conftest import NOW
from .sms_helpers import MOBILE, nudged, served, sms_sink, texting_patient, texts

AT = NOW + timedelta(hours=72)  # 09:00 in Chicago: the 72-hour check-in is due
PATIENTS = 12


def _wait_until(check, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)  # polling a real server, not timing it


def _events(reminder_id) -> list[tuple[str, int | None]]:
    db.session.expire_all()
    return [(e.status, e.error_code) for e in db.session.scalars(
        select(ReminderDelivery).where(ReminderDelivery.reminder_id == reminder_id).order_by(ReminderDelivery.id))]


def _check(patient_id) -> Reminder:
    db.session.expire_all()
    return db.session.scalar(select(Reminder).where(Reminder.patient_id == patient_id, Reminder.channel == "sms",
                                                    Reminder.kind == "check_72h"))


def test_the_sinks_status_callbacks_reach_the_app_and_a_failure_pauses_texts(app, make_patient, tmp_path,
                                                                             smtp_sink):
    failing = "+12195550166"
    with served(app), sms_sink(app, tmp_path, callbacks=True, fail={failing: 30003}):
        ok = texting_patient(make_patient, NOW)
        bad = texting_patient(make_patient, NOW, mobile=failing)
        dispatch_due(AT)
        good, broken = _check(ok.id), _check(bad.id)
        _wait_until(lambda: len(_events(good.id)) == 3 and len(_events(broken.id)) == 3, 30, "the callbacks")
        assert _events(good.id) == [("queued", None), ("sent", None), ("delivered", None)]
        assert _events(broken.id) == [("queued", None), ("sent", None), ("undelivered", 30003)]
        db.session.expire_all()
        assert bad.sms_paused_at is not None and ok.sms_paused_at is None
        assert db.session.scalar(select(CallTask.patient_id).where(CallTask.reason == "fix_mobile")) == bad.id


def test_a_reply_through_the_sink_is_signed_like_twilios_and_answered(app, make_patient, tmp_path, smtp_sink):
    with served(app) as base, sms_sink(app, tmp_path, inbound_url=None) as sink:
        sink.inbound_url = f"{base}/sms/inbound"
        now = utcnow()  # the served app's clock
        nudged(texting_patient(make_patient, now - timedelta(days=3)), now)
        request = urllib.request.Request(f"http://127.0.0.1:{sink_port(app)}/_sink/reply",
                                         data=b"From=%2B12195550123&Body=6", method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the local sink
            answer = json.load(response)
        assert answer["status"] == 200 and "your answer is saved" in answer["replies"][0]
        assert [t["body"] for t in texts(sink, MOBILE, direction="reply")] == answer["replies"]
        db.session.expire_all()
        assert db.session.scalar(select(CheckIn.pain_now)) == 6


def sink_port(app) -> int:
    return int(app.config["TWILIO_API_BASE"].rsplit(":", 1)[1])


def test_two_dispatchers_over_a_slow_sink_answering_429s_text_each_reminder_once(app, make_patient, tmp_path,
                                                                                 smtp_sink):
    with sms_sink(app, tmp_path, delay=0.05, throttle_every=4) as sink:
        numbers = [f"+1219555{200 + i:04d}" for i in range(PATIENTS)]
        for number in numbers:
            texting_patient(make_patient, NOW, mobile=number)
        errors, at = [], AT
        for _ in range(8):  # the first run, then the retries after each back-off
            barrier = threading.Barrier(2)

            def run(name, when=at, barrier=barrier):
                with app.app_context():
                    try:
                        barrier.wait()
                        dispatch_due(when, worker=name, batch=3)  # small batches: the claims interleave
                    except Exception as error:  # reported below, so a crash fails the test
                        errors.append(error)
                    finally:
                        db.session.remove()

            threads = [threading.Thread(target=run, args=(f"thread-{i}",)) for i in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(120)
            db.session.expire_all()
            waiting = db.session.scalar(select(func.min(Reminder.next_attempt_at)).where(
                Reminder.channel == "sms", Reminder.status == "pending", Reminder.due_at <= AT))
            if waiting is None:
                break
            at = max(at, waiting)
        assert errors == []
        rows = db.session.scalars(select(Reminder).where(Reminder.channel == "sms", Reminder.due_at <= AT)).all()
        sent = {r.id for r in rows if r.status == "sent"}
        assert {r.status for r in rows} <= {"sent", "failed", "cancelled"}
        assert len(sent) >= PATIENTS and any(r.attempts > 0 for r in rows if r.status == "sent")  # 429s retried
        per_reminder = Counter(int(t["status_callback"].rsplit("=", 1)[1]) for t in texts(sink))
        assert set(per_reminder) == sent and max(per_reminder.values()) == 1  # each exactly once
