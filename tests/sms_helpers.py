"""The SMS sink (recovery/devsms.py) as a real HTTP server on a free port, the app itself served
over HTTP (so the sink's status callbacks and replies reach its webhooks), and Twilio signing."""

import socket
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta

from twilio.request_validator import RequestValidator
from werkzeug.serving import make_server

from recovery import devsms
from recovery.extensions import db

ACCOUNT = "ACtest0000000000000000000000000000"
TOKEN = "test-auth-token"
SENDER = "+12195550100"
MOBILE = "+12195550123"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def sms_sink(app, tmp_path, **behaviour):
    """The sink serving on a free port; the app's text channel configured to use it. Its status
    callbacks are posted only when asked for (`callbacks=True`, with the app `served`)."""
    behaviour.setdefault("callbacks", False)
    port = free_port()
    sink = devsms.Sink(str(tmp_path / "sms"), ACCOUNT, TOKEN, **behaviour)
    server = devsms.start(port, sink)
    app.config.update(TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_AUTH_TOKEN=TOKEN, TWILIO_FROM=SENDER,
                      TWILIO_API_BASE=f"http://127.0.0.1:{port}", SMS_TIMEOUT=10)
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def served(app):
    """The app over real HTTP on a free port, BASE_URL pointing at it (the webhooks' signed URL)."""
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    saved = app.config["BASE_URL"]
    app.config["BASE_URL"] = f"http://127.0.0.1:{port}"
    try:
        yield app.config["BASE_URL"]
    finally:
        server.shutdown()
        app.config["BASE_URL"] = saved


def texts(sink, to: str | None = None, direction: str = "outbound-api") -> list[dict]:
    return [m for m in sink.messages() if m["direction"] == direction and (to is None or m["to"] == to)]


def sign(url: str, params: dict, token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def texting_patient(make_patient, now: datetime, **overrides):
    """A patient with a mobile number, consent to texts and texts chosen, operated on at `now`."""
    fields = {"mobile": MOBILE, "sms_consent_at": now - timedelta(days=1), "sms_consent_method": "verbal",
              "sms_reminders": True, "performed_at": now, "recorded_at": now + timedelta(minutes=5)}
    fields.update(overrides)
    patient = make_patient(**fields)
    db.session.commit()
    return patient


def nudged(patient, now: datetime) -> None:
    """A check-in text sent to the patient an hour before `now` (a score replies to it)."""
    from recovery.models import Reminder

    db.session.add(Reminder(idempotency_key=f"daily_nudge:{patient.id}:test:sms", patient_id=patient.id,
                            kind="daily_nudge", channel="sms", due_at=now - timedelta(hours=1), status="sent",
                            sent_at=now - timedelta(hours=1)))
    db.session.commit()
