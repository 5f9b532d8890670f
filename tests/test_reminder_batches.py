"""Batched delivery: a crash mid-batch or an SMTP failure mid-batch sends nothing twice and loses nothing."""

import socket
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta
from email import message_from_bytes
from email.policy import default

import pytest
from flask import render_template
from flask_babel import force_locale
from sqlalchemy import func, select

from recovery.extensions import db
from recovery.jobs import dispatch_due
from recovery.models import Reminder
from recovery.reminders import channels, delivery, mail
from recovery.reminders.channels import email as email_channel
from recovery.reminders.channels import in_app
from recovery.reminders.delivery import RETRY_AFTER_OUTAGE
from recovery.reminders.dispatch import sqlite_claim
from recovery.services import inbox

from .conftest import NOW, _Sink

AT = NOW + timedelta(hours=72)  # 09:00 in Chicago: every patient's 72-hour reminders are due
PATIENTS = 6


def _cohort(make_patient, **kw):
    return [make_patient(performed_at=NOW, recorded_at=NOW + timedelta(minutes=5), **kw) for _ in range(PATIENTS)]


def _left_due(at) -> int:
    return db.session.scalar(select(func.count()).select_from(Reminder).where(
        Reminder.status.in_(("pending", "sending")), Reminder.due_at <= at))


class _CrashingInbox:
    """The in-app inbox, but the process dies while delivering the batch (before its commit)."""

    name, label, patient_facing, local = in_app.name, in_app.label, True, True
    reachable, prepare = staticmethod(in_app.reachable), staticmethod(in_app.prepare)

    def hand_over(self, run, item):
        raise SystemExit("the process died before its commit")


@contextmanager
def _registered(channel):
    """`channel` in the registry for the block; then the one it replaced."""
    before = channels.REGISTRY.get(channel.name)
    channels.register(channel)
    try:
        yield channel
    finally:
        channels.register(before) if before is not None else channels.unregister(channel.name)


def test_a_crash_mid_batch_on_the_inbox_delivers_nothing_twice_and_loses_nothing(
        app, make_patient, smtp_sink, monkeypatch):
    patients = _cohort(make_patient)
    with _registered(_CrashingInbox()), pytest.raises(SystemExit):
        dispatch_due(AT, worker="dies")
    db.session.rollback()
    assert all(inbox.inbox(p) == [] for p in patients)  # the batch's transaction never happened
    assert smtp_sink.messages == []

    lease = db.session.scalar(select(func.max(Reminder.lease_until)))  # the dead worker's claim
    monkeypatch.setattr(delivery, "lease_clock", lambda: lease - timedelta(seconds=1))
    dispatch_due(AT, worker="survivor")  # still leased: left alone
    assert all(inbox.inbox(p) == [] for p in patients)
    monkeypatch.setattr(delivery, "lease_clock", lambda: lease + timedelta(seconds=1))
    dispatch_due(AT, worker="survivor")
    assert [[m.title for m in inbox.inbox(p)] for p in patients] == [["Your 3-day check-in is due"]] * PATIENTS
    ids = Counter(m["Message-ID"] for m in smtp_sink.messages)
    assert len(ids) == PATIENTS and set(ids.values()) == {1}
    assert _left_due(AT) == 0


class _LostAfter(_Sink):
    """An SMTP server that accepts `keep` messages, then cuts off the next one and stops
    listening (connections are refused) until it is started again."""

    def __init__(self, keep: int):
        super().__init__()
        self.keep, self.controller = keep, None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        if len(self.messages) == self.keep:
            self.controller.server.close()  # no new connections from here on
            return "421 4.3.0 Service shutting down"
        return await super().handle_DATA(server, session, envelope)


class _Server:
    """A real SMTP server (aiosmtpd) for `handler`, wired into `app`'s config; restartable."""

    def __init__(self, app, handler):
        self.handler, self.port = handler, _free_port()
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=self.port, MAIL_TIMEOUT=5)

    def start(self):
        from aiosmtpd.controller import Controller

        self.handler.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.handler.controller.start()

    def stop(self):
        self.handler.controller.stop()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_smtp_server_lost_mid_batch_leaves_the_rest_for_the_next_run(app, make_patient):
    patients = _cohort(make_patient)
    sink = _LostAfter(keep=2)
    with _Server(app, sink) as server:
        report = dispatch_due(AT)
        # Two e-mails went out; the one cut off and the one that found no server count an attempt;
        # the rest wait for the next run with no attempt counted. The inbox got everyone's message.
        assert len(sink.messages) == 2 and len(report.retried) == 2 and len(report.deferred) == PATIENTS - 4
        assert all(len(inbox.inbox(p)) == 1 for p in patients)
        emails = list(db.session.scalars(select(Reminder).where(Reminder.channel == "email",
                                                                Reminder.kind == "check_72h")))
        assert sorted((r.status, r.attempts) for r in emails) == [("pending", 0)] * (PATIENTS - 4) + [
            ("pending", 1)] * 2 + [("sent", 0)] * 2

        server.stop()
        sink.keep = None  # back, and keeping everything
        server.start()
        dispatch_due(AT + RETRY_AFTER_OUTAGE)  # the next run: the ones never tried go out
        assert len(sink.messages) == PATIENTS - 2
        dispatch_due(AT + timedelta(minutes=1))  # and the two tried ones after their back-off
    db.session.expire_all()
    assert {r.status for r in emails} == {"sent"}
    ids = Counter(m["Message-ID"] for m in sink.messages)
    assert len(ids) == PATIENTS and set(ids.values()) == {1}  # each e-mail once, none lost


def test_an_email_built_in_bulk_reads_exactly_as_its_templates_render(app, make_patient):
    patient = make_patient(performed_at=NOW, recorded_at=NOW + timedelta(minutes=5), name="Ana <O'Brien> & Núñez",
                           preferred_language="es")
    reminder = Reminder(idempotency_key=f"check_72h:{patient.id}:x:email", patient_id=patient.id, kind="check_72h",
                        channel="email", due_at=AT, status="sending", created_at=AT, updated_at=AT)
    db.session.add(reminder)
    db.session.flush()
    message = email_channel.compose(reminder.id, AT)
    data = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))  # as smtplib sends it
    assert b"\n" not in data.replace(b"\r\n", b"")  # no bare LF: strict SMTP servers refuse it
    built = message_from_bytes(data, policy=default)
    plain = built.get_body(("plain",)).get_content()
    html = built.get_body(("html",)).get_content()
    link = plain.split("http://localhost/c/")[1].split()[0]
    preferences = built["List-Unsubscribe"].strip("<> ")
    context = {"patient": patient, "kind": "check_72h", "clinic": app.config["CLINIC_NAME"],
               "phone": app.config["CLINIC_PHONE_DAY"], "link": f"http://localhost/c/{link}",
               "appointment_time": None, "preferences": preferences}
    with app.test_request_context(), force_locale("es"):
        subject = str(mail.SUBJECTS["check_72h"])
        assert built["Subject"] == subject
        assert plain == render_template("email/reminder.txt", subject=subject, **context)
        assert html == render_template("email/reminder.html", subject=subject, **context)
    assert "Ana &lt;O&#39;Brien&gt; &amp; Núñez" in html and "Ana <O'Brien> & Núñez" in plain


def test_a_claim_reads_the_due_index_in_order_however_big_the_backlog(app):
    """A claim stops after its batch: no sort of every due row (quadratic over a big backlog)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the PostgreSQL claim is two SELECT ... FOR UPDATE SKIP LOCKED with the same index")
    from .test_indexes import query_plan

    plan = query_plan(sqlite_claim(AT, "worker", 500))
    assert "ix_reminders_status_due" in plan and "TEMP B-TREE" not in plan, plan


def test_the_command_tells_the_operator_how_many_emails_wait_for_a_mail_server(app, make_patient):
    _cohort(make_patient)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port())  # nothing listens there
    result = app.test_cli_runner().invoke(args=["send-due-reminders", "--now", AT.strftime("%Y-%m-%dT%H:%M:%S%z")])
    assert result.exit_code == 0, result.output
    # The inbox copies went out; the first e-mail counted an attempt, the rest wait untried.
    assert result.output.strip() == (f"sent {PATIENTS}, dropped 0, retrying 1, failed 0, held 0, "
                                     f"left for the next run {PATIENTS - 1}")
