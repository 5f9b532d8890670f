"""A delivery channel is one object in the registry: registered in a test alone, the rules plan
it for the patients reachable on it, the dispatcher delivers it (exactly once, with retries) and
the staff outbox names it, with no other change."""

from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import select

from recovery.extensions import db
from recovery.jobs import dispatch_due
from recovery.models import Reminder
from recovery.reminders import channels

from .conftest import NOW, TEST_PASSWORD, FreshContextClient, _make_app, csrf_token, running_sink
from .databases import fresh_database

AT = NOW + timedelta(hours=72)  # 09:00 in Chicago: the 72-hour reminders are due


class Pager:
    """A patient-facing channel outside the database, reachable through the caregiver's phone.
    Its first hand-over fails (like a service refusing a message): that one is retried."""

    name, label, patient_facing, local = "pager", "Pager", True, False

    def __init__(self):
        self.delivered, self.refused = [], 0

    def reachable(self, contact) -> bool:
        return bool(contact.caregiver_phone)

    def prepare(self, rows, now) -> list:
        return [(row.caregiver_phone, row.kind) for row in rows]

    def hand_over(self, run, item) -> None:
        if not self.refused:
            self.refused += 1
            raise ConnectionResetError("the pager service hung up")
        self.delivered.append(item)


@contextmanager
def registered(channel):
    channels.register(channel)
    try:
        yield channel
    finally:
        channels.unregister(channel.name)


@contextmanager
def schema_with_the_registry(tmp_path):
    """An app on a fresh database whose schema is the models' with the registry as it is now
    (the CHECK on reminders.channel lists the registered channels)."""
    with fresh_database(tmp_path) as url:
        app = _make_app(url, tmp_path / "instance")
        app.test_client_class = FreshContextClient
        with app.app_context():
            db.create_all()
            try:
                yield app
            finally:
                db.session.remove()
                db.engine.dispose()


def test_a_channel_registered_in_a_test_is_planned_delivered_and_shown(app, make_patient, make_user, tmp_path):
    with registered(Pager()) as pager, schema_with_the_registry(tmp_path) as fresh, running_sink(fresh) as sink:
        paged = make_patient(performed_at=NOW, recorded_at=NOW + timedelta(minutes=5),
                             caregiver_phone="219-555-0199")
        unpaged = make_patient(performed_at=NOW, recorded_at=NOW + timedelta(minutes=5))
        report = dispatch_due(AT)
        rows = db.session.scalars(select(Reminder).where(Reminder.channel == "pager")).all()
        assert {r.patient_id for r in rows} == {paged.id}  # planned only where the patient is reachable
        assert {r.kind for r in rows} >= {"check_72h", "check_72h_repeat", "daily_nudge"}
        assert pager.delivered == [] and len(report.retried) == 1  # refused once: retried, not lost
        dispatch_due(AT + timedelta(minutes=1))  # after its back-off
        assert pager.delivered == [("219-555-0199", "check_72h")]
        dispatch_due(AT + timedelta(minutes=2))
        assert pager.delivered == [("219-555-0199", "check_72h")]  # once
        assert {m["To"] for m in sink.messages} == {paged.user.email, unpaged.user.email}  # e-mail as before

        staff = make_user("staff")
        client = fresh.test_client()
        client.post("/login", data={"login": staff.email, "password": TEST_PASSWORD,
                                    "csrf_token": csrf_token(client, "/login")})
        page = client.get("/staff/outbox?status=all&channel=pager").get_data(as_text=True)
        assert '<option value="pager" selected>Pager</option>' in page  # the filter offers it
        assert "<td>Pager</td>" in page  # and each row names it


def test_the_channel_constraint_lists_exactly_the_registered_channels(app):
    def check() -> str:
        (constraint,) = [c for c in Reminder.__table__.constraints if c.name == "ck_reminders_channel"]
        return str(constraint.sqltext)

    assert check() == "channel IN ('email', 'in_app', 'staff', 'clinic', 'sms')"  # the migrations' text
    with registered(Pager()):
        assert check() == "channel IN ('email', 'in_app', 'staff', 'clinic', 'sms', 'pager')"
    assert check() == "channel IN ('email', 'in_app', 'staff', 'clinic', 'sms')"
