"""Each reminder's delivery ledger: planned and sent (with the service's message id) for every
channel, the provider's status callbacks (repeated ones too), opened from a real click on the
reminder's link and answered by the real check-in it asked for, each step once."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from recovery.extensions import db
from recovery.jobs import dispatch_due
from recovery.models import Reminder, ReminderDelivery, utcnow
from recovery.reminders import ledger
from tests.answers import checkin_answers

from .conftest import csrf_token
from .sms_helpers import ACCOUNT, TOKEN, sign, sms_sink, texting_patient, texts

ANSWERS = checkin_answers(form=True, pain_now=3, worst_pain=5, walking_level=3, minutes_upright=30)


def noon_zone(now) -> str:
    """A fixed-offset zone where `now` is between 12:00 and 13:00 (the test clock's hour is
    random; a reminder sent in quiet hours would wait for the morning)."""
    offset = ((12 - now.hour + 11) % 24) - 11  # hours ahead of UTC, -11..12
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


def _steps(reminder) -> list[str]:
    db.session.expire_all()
    reminder = db.session.get(Reminder, reminder.id)
    return [s.step for s in ledger.timeline(reminder, ledger.steps_for([reminder.id])[reminder.id])]


def _ledger_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(ReminderDelivery))


def _check_72h(patient, channel) -> Reminder:
    db.session.expire_all()
    return db.session.scalar(select(Reminder).where(Reminder.patient_id == patient.id, Reminder.kind == "check_72h",
                                                    Reminder.channel == channel))


@pytest.fixture
def due_now(make_patient, tmp_path):
    """A patient with an address and a mobile number whose 72-hour check-in is due now, at noon
    where they live."""
    now = utcnow()

    def make(**overrides):
        performed = now - timedelta(hours=72, minutes=1)
        return texting_patient(make_patient, performed, email=overrides.pop("email", "rosa@example.org"),
                               tz=noon_zone(now), recorded_at=performed + timedelta(minutes=30), **overrides)

    return make


def test_every_channel_records_its_hand_over_with_the_services_message_id_once(app, due_now, smtp_sink, tmp_path):
    with sms_sink(app, tmp_path) as sink:
        patient = due_now()
        dispatch_due(utcnow())
        email, text, inbox = (_check_72h(patient, c) for c in ("email", "sms", "in_app"))
        (mail,) = [m for m in smtp_sink.messages if "3-day check-in" in m["Subject"]]
        assert email.provider_id == mail["Message-ID"]
        assert text.provider_id == texts(sink)[0]["sid"]
        assert inbox.provider_id is None  # the inbox is this database: no outside service's id
        for reminder in (email, text, inbox):
            assert _steps(reminder) == ["planned", "sent"]

        dispatch_due(utcnow())  # a second scheduler run repeats no step and sends nothing again
        assert len(smtp_sink.messages) == 1 and len(texts(sink)) == 1
        assert _steps(email) == ["planned", "sent"] and _ledger_rows() == 0


def _status(client, reminder_id, sid, status, **extra):
    url = f"http://localhost/sms/status?r={reminder_id}"
    params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": ACCOUNT, **extra}
    return client.post(f"/sms/status?r={reminder_id}", data=params,
                       headers={"X-Twilio-Signature": sign(url, params, TOKEN)})


def test_status_callbacks_move_the_ledger_once_however_often_they_are_repeated(app, client, due_now, smtp_sink,
                                                                                tmp_path):
    with sms_sink(app, tmp_path):
        patient = due_now()
        dispatch_due(utcnow())
        text = _check_72h(patient, "sms")
        sid = text.provider_id
        answers = [_status(client, text.id, sid, s).status_code
                   for s in ("queued", "queued", "sent", "delivered", "delivered", "delivered")]
        assert answers == [200] * 6  # each answered 200, so Twilio stops repeating it
        assert _steps(text) == ["planned", "sent", "delivered"]
        assert _ledger_rows() == 3  # queued, sent, delivered: once each

        other = due_now(mobile="+12195550166", email="other@example.org")
        dispatch_due(utcnow())
        failing = _check_72h(other, "sms")
        for _ in range(3):
            assert _status(client, failing.id, failing.provider_id, "undelivered", ErrorCode="30005").status_code == 200
        db.session.expire_all()
        (failure,) = [s for s in ledger.timeline(failing, ledger.steps_for([failing.id])[failing.id])
                      if s.step == "failed"]
        assert (failure.status, failure.error_code) == ("undelivered", 30005)
        assert other.sms_paused_at is not None and patient.sms_paused_at is None


def _link(message) -> str:
    body = message.get_body(("plain",)).get_content()
    return re.search(r"https?://[^/\s]+(/c/[\w-]+)", body).group(1)


def test_following_the_link_opens_and_the_checkin_answers_that_reminder_once(app, client, due_now, smtp_sink):
    patient = due_now(mobile=None, sms_consent_at=None, sms_consent_method=None, sms_reminders=False)
    dispatch_due(utcnow())
    email, inbox = _check_72h(patient, "email"), _check_72h(patient, "in_app")
    assert inbox.sent_at == email.sent_at  # two reminders asked for the same check-in at once
    (mail,) = smtp_sink.messages
    link = _link(mail)

    assert client.get(link).status_code == 200
    assert client.get(link).status_code == 200  # a second click: still opened once
    assert _steps(email) == ["planned", "sent", "opened"]
    response = client.post(link, data={**ANSWERS, "csrf_token": csrf_token(client, link)})
    assert response.status_code == 200 and "Your check-in for today is saved" in response.get_data(as_text=True)

    assert _steps(email) == ["planned", "sent", "opened", "answered"]
    assert _steps(inbox) == ["planned", "sent"]  # the link followed was the e-mail's
    assert _ledger_rows() == 2


def test_a_checkin_in_the_app_answers_the_latest_reminder_sent_that_day(app, client, due_now, login):
    now = utcnow()
    patient = due_now(mobile=None, sms_consent_at=None, sms_consent_method=None, sms_reminders=False)

    def sent(channel, ago, kind="daily_nudge"):
        reminder = Reminder(idempotency_key=f"{kind}:{patient.id}:{channel}:{ago}", patient_id=patient.id,
                            kind=kind, channel=channel, due_at=now - ago, status="sent", sent_at=now - ago)
        db.session.add(reminder)
        return reminder

    yesterday, earlier, latest = sent("email", timedelta(hours=20)), sent("email", timedelta(hours=3)), \
        sent("in_app", timedelta(hours=1))
    db.session.commit()
    login(patient.user)
    url = "/patient/checkin"
    response = client.post(url, data={**ANSWERS, "csrf_token": csrf_token(client, url)})
    assert response.status_code in (200, 302), response.get_data(as_text=True)

    assert _steps(latest) == ["planned", "sent", "answered"]
    assert _steps(earlier) == ["planned", "sent"] and _steps(yesterday) == ["planned", "sent"]
    again = client.post(url, data={**ANSWERS, "pain_now": "2", "csrf_token": csrf_token(client, url)})
    assert again.status_code in (200, 302)
    assert _ledger_rows() == 1  # the day was answered once


def _ledger_cell(html: str, row_id: str) -> list[str]:
    """The ledger steps shown in the table row `row_id`, as the page's words."""
    row = re.search(rf'<tr id="{row_id}".*?</tr>', html, re.S).group(0)
    cell = re.search(r'<td class="staff-ledger">(.*?)</td>', row, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", step).split(" ")[0] for step in re.findall(r'data-step="\w+">(.*?)</span>(?:<br>|$)',
                                                                            cell, re.S)]


def test_staff_see_the_timeline_in_the_outbox_and_on_the_patients_page(app, client, due_now, smtp_sink, make_user,
                                                                         login):
    patient = due_now(mobile=None, sms_consent_at=None, sms_consent_method=None, sms_reminders=False)
    dispatch_due(utcnow())
    email = _check_72h(patient, "email")
    link = _link(smtp_sink.messages[0])
    client.get(link)
    client.post(link, data={**ANSWERS, "csrf_token": csrf_token(client, link)})

    login(make_user("staff"))
    outbox = client.get(f"/staff/outbox?q={patient.record_number}&status=all").get_data(as_text=True)
    assert _ledger_cell(outbox, f"reminder-{email.id}") == ["Sent", "Opened", "Answered"]
    page = client.get(f"/staff/patients/{patient.id}").get_data(as_text=True)
    assert _ledger_cell(page, f"recent-reminder-{email.id}") == ["Sent", "Opened", "Answered"]
    inbox = _check_72h(patient, "in_app")
    assert _ledger_cell(page, f"recent-reminder-{inbox.id}") == ["Sent"]  # sent, never opened or answered


class _RefusingSink:
    """An SMTP server that refuses some recipients for good (550 to RCPT), like a real one for
    a mailbox that does not exist, and takes the rest."""

    def __init__(self, refused):
        self.refused, self.messages = set(refused), []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd)
        if address in self.refused:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(envelope.rcpt_tos)
        return "250 OK"


def test_an_address_the_mail_server_refuses_fails_at_once_pauses_email_and_asks_staff(
        app, client, due_now, make_user, login):
    import socket

    from aiosmtpd.controller import Controller

    from recovery.models import CallTask

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = _RefusingSink({"gone@example.org"})
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=5)
    try:
        no_sms = {"mobile": None, "sms_consent_at": None, "sms_consent_method": None, "sms_reminders": False}
        bounced = due_now(email="gone@example.org", **no_sms)
        fine = due_now(email="here@example.org", **no_sms)
        report = dispatch_due(utcnow())
        email = _check_72h(bounced, "email")
        assert email.status == "failed" and email.attempts == 1  # for good: not retried
        assert "550" in email.last_error and email.id in report.failed
        (failure,) = [s for s in ledger.timeline(email, ledger.steps_for([email.id])[email.id]) if s.step == "failed"]
        assert (failure.status, failure.error_code) == ("refused", 550)
        assert _check_72h(bounced, "in_app").status == "sent"  # the inbox still reaches them
        assert _check_72h(fine, "email").status == "sent" and sink.messages == [["here@example.org"]]
        db.session.expire_all()
        assert bounced.email_paused_at is not None and fine.email_paused_at is None
        (task,) = db.session.scalars(select(CallTask).where(CallTask.reason == "fix_email")).all()
        assert task.patient_id == bounced.id
        planned = db.session.scalars(select(Reminder.status).where(
            Reminder.patient_id == bounced.id, Reminder.channel == "email", Reminder.kind != "check_72h")).all()
        assert planned and set(planned) == {"cancelled"}  # no more e-mail until the address is fixed

        login(make_user("staff"))
        url = f"/staff/patients/{bounced.id}"
        refused = client.post(f"{url}/email", data={"email": "not an address", "csrf_token": csrf_token(client, url)})
        assert refused.status_code == 302
        db.session.expire_all()
        assert bounced.email == "gone@example.org" and bounced.email_paused_at is not None
        assert "Please enter a valid e-mail address." in client.get(url).get_data(as_text=True)
        page = client.get(url).get_data(as_text=True)
        assert "E-mails to this address bounced and are paused" in page
        fixed = client.post(f"{url}/email", data={"email": "Rosa@Example.org", "csrf_token": csrf_token(client, url)})
        assert fixed.status_code == 302
        db.session.expire_all()
        assert bounced.email == "rosa@example.org" and bounced.email_paused_at is None
        assert f"The e-mail address of {bounced.name} is updated." in client.get(url).get_data(as_text=True)
        assert db.session.scalar(select(func.count()).select_from(Reminder).where(
            Reminder.patient_id == bounced.id, Reminder.channel == "email", Reminder.status == "pending")) > 0
    finally:
        controller.stop()


def _sent(patient, kind, channel, at, for_date=None) -> Reminder:
    reminder = Reminder(idempotency_key=f"{kind}:{patient.id}:{channel}:{at.isoformat()}", patient_id=patient.id,
                        kind=kind, channel=channel, due_at=at, status="sent", sent_at=at, for_date=for_date)
    db.session.add(reminder)
    db.session.flush()
    return reminder


def _text(html: str, testid: str) -> str:
    block = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</(?:p|section)>', html, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", block).split())


def _row(html: str, attribute: str, value: str) -> list[str]:
    row = re.search(rf'<tr {attribute}="{value}">(.*?)</tr>', html, re.S).group(1)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]


def test_clinicians_see_check_ins_made_of_those_asked_for_per_patient_channel_and_week(
        app, client, due_now, smtp_sink, make_patient, make_user, login):
    from recovery.models import Procedure
    from recovery.services.completion import patient_completion

    now = utcnow()
    rosa = due_now(mobile=None, sms_consent_at=None, sms_consent_method=None, sms_reminders=False)
    dispatch_due(now)  # the 72-hour check, by e-mail and in the inbox: one ask
    link = _link(smtp_sink.messages[0])
    client.get(link)
    client.post(link, data={**ANSWERS, "csrf_token": csrf_token(client, link)})  # made, from the e-mail
    two_days_ago = now - timedelta(days=2)
    for channel in ("email", "in_app"):  # a day asked on both channels and never answered
        _sent(rosa, "daily_nudge", channel, two_days_ago, for_date=two_days_ago.date())

    # A vertebroplasty patient three weeks out: asked on days 1 and 15 by e-mail, answered on day 15.
    performed = now - timedelta(days=21)
    ada = make_patient(performed_at=performed, recorded_at=performed + timedelta(minutes=30))
    db.session.scalar(select(Procedure).where(Procedure.patient_id == ada.id)).type = "vertebroplasty"
    _sent(ada, "daily_nudge", "email", performed + timedelta(days=1), (performed + timedelta(days=1)).date())
    day15 = _sent(ada, "daily_nudge", "email", performed + timedelta(days=15), (performed + timedelta(days=15)).date())
    ledger.record(day15.id, "email", "answered", "checkin", day15.sent_at + timedelta(hours=2))
    # Asked an hour ago and not answered yet: still open, so neither made nor missed.
    fresh = _sent(ada, "daily_nudge", "in_app", now - timedelta(hours=1), now.date())
    db.session.commit()
    assert patient_completion(ada.id, now).asked == 2
    assert patient_completion(ada.id, fresh.sent_at + timedelta(days=1, minutes=1)).asked == 3  # a day on: missed

    from recovery.scheduler import refresh_bands

    login(make_user("clinician"))
    assert "No check-in reminder to these patients had gone out" in client.get("/clinic/cohort").get_data(as_text=True)
    refresh_bands(app)  # the scheduler's job, every few minutes: the bands and the completion summary
    db.session.expire_all()
    page = client.get(f"/clinic/patients/{rosa.id}").get_data(as_text=True)
    assert _text(page, "completion") == "Check-ins made when asked: 1 of 2 (50%)."
    page = client.get(f"/clinic/patients/{ada.id}").get_data(as_text=True)
    assert _text(page, "completion") == "Check-ins made when asked: 1 of 2 (50%)."

    cohort = client.get("/clinic/cohort").get_data(as_text=True)
    assert _text(cohort, "completion-overall") == "50% of the check-ins asked for were made: 2 of 4."
    assert _row(cohort, "data-channel", "email") == ["E-mail", "4", "2 (50%)"]
    assert _row(cohort, "data-channel", "in_app") == ["In the app", "2", "0 (0%)"]  # asked twice, never the one answered
    assert _row(cohort, "data-week", "1") == ["Week 1", "3", "1 (33%)"]  # Rosa's two asks and Ada's day 1
    assert _row(cohort, "data-week", "3") == ["Week 3", "1", "1 (100%)"]  # Ada's day 15
    only = client.get("/clinic/cohort?type=vertebroplasty").get_data(as_text=True)
    assert _text(only, "completion-overall") == "50% of the check-ins asked for were made: 1 of 2."
    assert 'data-channel="in_app"' not in only


def test_a_text_the_provider_refuses_at_hand_over_shows_failed_with_its_code_to_staff(
        app, client, due_now, smtp_sink, make_user, login, tmp_path):
    from .sms_helpers import MOBILE

    with sms_sink(app, tmp_path, refuse={MOBILE: 21211}) as sink:  # "not a valid phone number"
        patient = due_now()
        dispatch_due(utcnow())
        text = _check_72h(patient, "sms")
        assert text.status == "failed" and text.provider_id is None and texts(sink) == []
        assert _check_72h(patient, "email").status == "sent"  # the other channels still reach them
    (failure,) = [s for s in ledger.timeline(text, ledger.steps_for([text.id])[text.id]) if s.step == "failed"]
    assert (failure.status, failure.error_code) == ("refused", 21211)

    login(make_user("staff"))
    page = client.get(f"/staff/patients/{patient.id}").get_data(as_text=True)
    assert _ledger_cell(page, f"recent-reminder-{text.id}") == ["Failed"]  # never sent: no "Sent"
    assert "21211" in re.search(rf'<tr id="recent-reminder-{text.id}".*?</tr>', page, re.S).group(0)


def test_two_schedulers_refreshing_the_completion_summary_at_once_leave_it_whole(app, make_patient):
    """Up to two schedulers run the band job; when both refresh the summary at the same moment,
    neither fails and the summary holds one refresh's rows, not both or neither."""
    import logging
    import threading

    from recovery.models import procedure_completion
    from recovery.scheduler import refresh_bands
    from recovery.services.completion import refresh_summary

    failures = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = failures.append
    logging.getLogger("recovery.scheduler").addHandler(handler)

    now = utcnow()
    for n in range(12):
        performed = now - timedelta(days=20 + n)
        patient = make_patient(performed_at=performed, recorded_at=performed + timedelta(minutes=30))
        for day in (1, 2, 9, 16):
            sent = _sent(patient, "daily_nudge", "email", performed + timedelta(days=day),
                         (performed + timedelta(days=day)).date())
            if day != 2:
                ledger.record(sent.id, "email", "answered", "checkin", sent.sent_at + timedelta(hours=1))
    db.session.commit()

    def rows():
        db.session.expire_all()
        return sorted(tuple(r) for r in db.session.execute(select(
            procedure_completion.c.procedure_id, procedure_completion.c.channel, procedure_completion.c.week,
            procedure_completion.c.asked, procedure_completion.c.made)))

    refresh_bands(app)
    alone = rows()
    assert len(alone) == 12 * 2 * 3  # each procedure: weeks 1, 2, 3, for all channels and for e-mail
    start = threading.Barrier(2)

    def scheduler():
        for _ in range(5):
            start.wait(5)
            refresh_bands(app)  # the job as it runs: the bands' refresh first, then the summary
            start.wait(5)
            with app.app_context():  # the summary's refresh alone, both at once
                refresh_summary(utcnow())
                db.session.commit()

    errors = []

    def guarded():
        try:
            scheduler()
        except Exception as error:  # noqa: BLE001 (reported below, with the job's own log)
            errors.append(repr(error))

    threads = [threading.Thread(target=guarded) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    logging.getLogger("recovery.scheduler").removeHandler(handler)
    assert [f.getMessage() for f in failures] == []  # the job logs (and swallows) a failed refresh
    assert rows() == alone
