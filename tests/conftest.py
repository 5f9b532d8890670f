"""Shared fixtures: an app on SQLite (or PostgreSQL when TEST_DATABASE_URL is set), users, a client.

The schema is built once per run by the real migrations, so every test also proves them; one
app serves the run (a test that changes the app itself is marked `own_app`); each test then starts
from empty tables and the app's own config.
"""

import os
import re
import shutil
import tempfile
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import delete, event, text
from werkzeug.security import generate_password_hash

from recovery import create_app
from recovery.extensions import db
from recovery.models import Alert, Appointment, CallTask, Patient, Reminder, User, utcnow
from recovery.services import procedures
from recovery.services.checkins import save_checkin
from tests.answers import checkin_answers

# The test clock: the run lives at a random hour of the day, printed with its seed (tests/clock.py).
from tests.clock import (  # noqa: F401 (pytest finds hooks by name here)
    pytest_configure,
    pytest_report_header,
    pytest_terminal_summary,
    pytest_unconfigure,
)

# The one compliant password every test account uses.
TEST_PASSWORD = "correct-horse-battery-9"
# Hashed once, and cheaply: the product hashes with scrypt (about 60 ms a check on purpose), which
# every form login in the suite would pay. The hashing itself is tested where passwords are set.
_TEST_HASH = generate_password_hash(TEST_PASSWORD, method="pbkdf2:sha256:1000")


@pytest.fixture(autouse=True, scope="session")
def product_dummy_hash():
    """A sign-in to an unknown account checks a dummy hash, so it costs what a wrong password
    costs (services/accounts.py). The test accounts' hashes are cheap (_TEST_HASH), so for the
    run the dummy is as cheap as they are; yields the product's own, for the test that checks it
    is as dear as a real one (tests/test_login_throttle.py)."""
    from recovery.services import accounts

    real = accounts._DUMMY_HASH
    accounts._DUMMY_HASH = generate_password_hash("not-a-real-password-0000", method="pbkdf2:sha256:1000")
    yield real
    accounts._DUMMY_HASH = real
# A fixed instant for service tests that pass `now` explicitly (09:00 in Chicago).
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def earlier_the_same_day(now: datetime, back: timedelta, tz: str = "America/Chicago") -> datetime:
    """`now - back`, but never before the start of `now`'s local day in `tz`: for two saves that
    must fall on one local day whatever the hour the suite runs at (the test clock moves it)."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tz)
    midnight = datetime.combine(now.astimezone(zone).date(), datetime.min.time(), tzinfo=zone)
    return max(now - back, midnight.astimezone(UTC))


# Fixtures that reach the database under test; a `no_test_database` test must use none of them.
_DATABASE_FIXTURES = {"database_url", "_schema", "app", "client", "runner"}


def pytest_collection_modifyitems(config, items):
    """Refuse a `no_test_database` mark on a test that does reach the database under test, so the
    PostgreSQL pass (-m "not no_test_database") cannot drop a test that means something there."""
    import inspect

    for item in items:
        if item.get_closest_marker("no_test_database") is None:
            continue
        source = inspect.getsource(item.function) if hasattr(item, "function") else ""
        if _DATABASE_FIXTURES & set(item.fixturenames) or "fresh_database" in source \
                or "TEST_DATABASE_URL" in source:
            raise pytest.UsageError(f"{item.nodeid} is marked no_test_database but uses the database under test")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """TEST_DATABASE_URL, or a SQLite file in memory-backed /dev/shm where there is one: the
    product's durable settings stay (WAL, synchronous=FULL), but a commit's flush to disk is then
    nearly free, and the suite commits thousands of times. Removed at the end of the run."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield url
        return
    shm = Path("/dev/shm")  # noqa: S108 (a private folder made by mkdtemp inside it)
    if shm.is_dir() and os.access(shm, os.W_OK):
        folder = Path(tempfile.mkdtemp(prefix="recovery-tests-", dir=shm))
        try:
            yield f"sqlite:///{folder / 'test.sqlite'}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    """Build the schema once by running the migrations from empty."""
    app = _make_app(database_url, tmp_path_factory.mktemp("instance"))
    with app.app_context():
        db.drop_all()
        from sqlalchemy import text

        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(directory=app.extensions["migrate"].directory)
        db.session.remove()
        db.engine.dispose()
    return database_url


def _make_app(database_url, instance_path, **extra):
    os.environ["RECOVERY_INSTANCE_PATH"] = str(instance_path)
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SERVER_NAME": "localhost",
        "SCHEDULER_REQUIRED": False,  # tests that need the heartbeat turn it on
        "BASE_URL": "http://localhost",
        "RATELIMIT_ENABLED": False,  # the tests that prove the limits turn them on
        # Open around the clock, so bookings at whatever hour the test clock lands on are not
        # warned about; tests/test_clinic_hours.py runs with the clinic's real hours.
        "CLINIC_HOURS": "Mon-Sun 00:00-24:00",
        "CLINIC_CLOSED": "",
    }
    config.update(extra)
    return create_app(config)


class FreshContextClient(FlaskClient):
    """Give every request its own app context, as in production.

    Tests hold an app context open for direct service calls; without this, requests would
    share its `g` (Flask-Login's cached user) and its database session.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()  # the test's own objects see what the request wrote
        return response


@pytest.fixture(scope="session")
def _shared_app(_schema, tmp_path_factory):
    """One app for the whole run: its templates and SQL statements are compiled once, not once
    per test (which was about half of the suite's time). Each test still starts from empty
    tables and the app's own config (see `app`)."""
    made = _make_app(_schema, tmp_path_factory.mktemp("instance"))
    made.test_client_class = FreshContextClient
    return made


@contextmanager
def app_of_its_own(database_url, instance_path, **config):
    """An app made for one test (with `config` on top of the suite's), inside its app context;
    afterwards every table is emptied."""
    made = _make_app(database_url, instance_path, **config)
    made.test_client_class = FreshContextClient
    with made.app_context():
        yield made
        db.session.remove()
        empty_every_table()
        db.engine.dispose()


@pytest.fixture
def app(request, _schema, _shared_app, tmp_path):
    """The app for one test, inside an app context; afterwards every table is emptied.

    The run's shared app, with its config put back after the test (tests change settings), or
    an app of its own for a test marked `own_app` (one that adds routes to it, for example)."""
    if request.node.get_closest_marker("own_app"):
        with app_of_its_own(_schema, tmp_path) as made:
            yield made
        return
    saved = dict(_shared_app.config)
    try:
        with _shared_app.app_context():
            yield _shared_app
            db.session.remove()
            empty_every_table()
            db.engine.dispose()  # no connection a test left behind outlives it
    finally:
        _shared_app.config.clear()
        _shared_app.config.update(saved)


def empty_every_table():
    """Delete every row, audit events too, which the database refuses to the app (migration
    f6b2d1ef6a66). The guard is lifted only inside this one transaction, and only when there are
    audit rows: on PostgreSQL the test role owns the tables and disables the table's own triggers
    (an owner can: hence the README's advice that the app's role own nothing); on SQLite the
    audit triggers are dropped and put back."""
    from recovery.models.audit import sqlite_triggers_lifted

    with db.engine.begin() as conn:
        guarded = conn.execute(text("SELECT 1 FROM audit_events LIMIT 1")).first() is not None
        postgres = guarded and conn.dialect.name == "postgresql"
        if postgres:  # a transaction a test left open fails the cleanup rather than hang it
            conn.execute(text("SET LOCAL lock_timeout = '10s'"))
            conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        with sqlite_triggers_lifted(conn) if guarded else nullcontext():
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(delete(table))
        if postgres:
            conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(client, url: str) -> str:
    """The CSRF token of the form on `url`, as a browser would submit it."""
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


@pytest.fixture
def make_user(app):
    """Create a user with the shared test password."""
    counter = {"n": 0}

    def make(role="staff", email=None, name=None, active=True):
        counter["n"] += 1
        user = User(
            email=email or f"{role}{counter['n']}@example.org",
            role=role,
            display_name=name or f"{role.title()} {counter['n']}",
            password_hash=_TEST_HASH,
            active=active,
        )
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_patient(app, make_user):
    """Create a patient (with account and, by default, a procedure 2 days before NOW)."""
    counter = {"n": 0}

    def make(procedure=True, performed_at=None, baseline_pain=8, tz="America/Chicago", recorded_at=None,
             **overrides):
        counter["n"] += 1
        user = make_user("patient", email=overrides.pop("email", None), name=overrides.pop("name", None))
        fields = {
            "record_number": f"MRN-{counter['n']:04d}",
            "date_of_birth": datetime(1948, 3, 2).date(),
            "phone": "219-555-0142",
            "timezone": tz,
        }
        fields.update(overrides)
        patient = Patient(user=user, **fields)
        db.session.add(patient)
        db.session.flush()
        if procedure:
            performed = performed_at or utcnow() - timedelta(days=2)
            staff = db.session.scalar(db.select(User).where(User.role == "staff")) or make_user("staff")
            procedures.record_procedure(
                patient,
                {
                    "type": "kyphoplasty",
                    "performed_at": performed,
                    "levels": "L1",
                    "fracture_cause": "osteoporosis",
                    "anaesthesia": "local",
                    "setting": "outpatient",
                    "baseline_pain": baseline_pain,
                },
                staff,
                recorded_at or max(utcnow(), performed + timedelta(minutes=1)),
            )
        db.session.commit()
        return patient

    return make


@pytest.fixture
def login(client):
    """Sign a user in through the real login form."""

    def do(user):
        token = csrf_token(client, "/login")
        response = client.post(
            "/login", data={"login": user.email, "password": TEST_PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return do


@pytest.fixture
def world(app, make_user, make_patient, client):
    """Two patients with a check-in each, an alert for A, a clinician, staff, a deactivated user."""
    app.config["WTF_CSRF_ENABLED"] = False  # the matrix tests authorization; CSRF has its own tests
    a, b = make_patient(), make_patient()
    answers = checkin_answers(flag_neuro="yes")
    checkin_a = save_checkin(a, answers, utcnow()).checkin
    checkin_b = save_checkin(b, {**answers, "flag_neuro": "no"}, utcnow()).checkin
    db.session.commit()
    alert_a = db.session.scalar(db.select(Alert).where(Alert.patient_id == a.id))
    users = {
        "patient_a": a.user, "patient_b": b.user, "clinician": make_user("clinician"),
        "staff": make_user("staff"), "inactive": make_user("staff", active=False),
    }
    ids = {
        "patient_a": a.id, "patient_b": b.id, "checkin_a": checkin_a.id, "checkin_b": checkin_b.id,
        "procedure_a": a.current_procedure.id, "alert_a": alert_a.id,
        "appointment_a": a.current_procedure.appointments[0].id,
    }
    # For the staff rows: one of A's reminders (pending, so a resend is refused) and a call task.
    ids["reminder_a"] = db.session.scalar(
        db.select(Reminder.id).where(Reminder.patient_id == a.id).order_by(Reminder.id).limit(1))
    call_a = CallTask(patient_id=a.id, reason="missed_72h", due_by=utcnow() + timedelta(hours=24))
    db.session.add(call_a)
    # A booked follow-up visit each: the patient's calendar-file rows.
    visits = [Appointment(patient_id=p.id, procedure_id=p.current_procedure.id, kind="follow_up",
                          status="scheduled", scheduled_for=utcnow() + timedelta(days=20), revision=1)
              for p in (a, b)]
    db.session.add_all(visits)
    db.session.commit()
    ids["call_a"] = call_a.id
    ids["visit_a"], ids["visit_b"] = visits[0].id, visits[1].id
    return users, ids


def session_key_for(user) -> str:
    """A live server-side session for `user` (as sign-in makes), for a cookie set by hand."""
    from recovery.services import user_sessions

    key = user_sessions.start(user, utcnow(), "test client", "127.0.0.1")
    db.session.commit()
    return key


def client_as(app, users, actor):
    """A test client signed in as `actor` of the matrix world (anonymous if not a user)."""
    client = app.test_client()
    if actor in users:
        with client.session_transaction() as session:
            session["_user_id"] = session_key_for(users[actor])
            session["_fresh"] = True
    return client


class _Sink:
    """Collects what the SMTP server received."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        from email import message_from_bytes
        from email.policy import default

        self.messages.append(message_from_bytes(envelope.content, policy=default))
        return "250 OK"


@contextmanager
def running_sink(app):
    """A real SMTP server (aiosmtpd) on a free localhost port, wired into `app`'s config."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = _Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=5)
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def smtp_sink(app):
    """The SMTP sink for service and page tests."""
    with running_sink(app) as sink:
        yield sink


@contextmanager
def statements():
    """Every SQL statement sent to the database inside the block."""
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def api_tokens_for(users: dict) -> dict:
    """A personal API token (the secret) for each user of the matrix world, by actor name."""
    from recovery.services.api_tokens import create_token

    secrets = {actor: create_token(user, {"name": "tests"}, utcnow()).secret for actor, user in users.items()}
    db.session.commit()
    return secrets
