"""Set-up the browser journeys share: people made through the services, the dispatcher at a chosen time."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from werkzeug.datastructures import MultiDict

try:  # without Playwright the fixtures skip (or fail in CI); the modules must still import
    from playwright.sync_api import expect
except ImportError:
    expect = None

from recovery.extensions import db
from recovery.jobs import dispatch_due
from recovery.models import User, utcnow
from recovery.services import enrolment, procedures
from tests.conftest import _TEST_HASH, TEST_PASSWORD

CLINIC = ZoneInfo("America/Chicago")
PATIENT_PASSWORD = "my-own-password-42"
__all__ = ["PATIENT_PASSWORD", "TEST_PASSWORD", "expect"]


def daytime(now: datetime | None = None) -> datetime:
    """`now`, or the next 10:00 in Chicago when `now` falls in the patients' quiet hours.

    Reminders wait for 08:00 in the patient's zone; dispatching at a daytime instant makes the
    journeys pass at any hour of the day.
    """
    now = now or utcnow()
    local = now.astimezone(CLINIC)
    if 9 <= local.hour < 20:
        return now
    day = local.date() if local.hour < 9 else local.date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, 10, tzinfo=CLINIC).astimezone(ZoneInfo("UTC"))


def make_user(role: str, email: str, name: str) -> User:
    user = User(email=email, role=role, display_name=name, password_hash=_TEST_HASH, active=True)
    db.session.add(user)
    db.session.commit()
    return user


def enrol(staff: User, name="Rosa Alvarez", email="rosa@example.org", language="en",
          record="MRN-5001", performed_at: datetime | None = None, baseline=8):
    """A patient enrolled and, unless performed_at is False, with a kyphoplasty at L1."""
    now = utcnow()
    form = MultiDict({
        "display_name": name, "record_number": record, "date_of_birth": "1948-03-02",
        "phone": "219-555-0142", "email": email, "preferred_language": language,
        "timezone": "America/Chicago",
    })
    patient, _token = enrolment.enrol_patient(form, staff, now)
    db.session.commit()
    if performed_at is not False:
        performed = performed_at or now - timedelta(days=1)
        procedures.record_procedure(patient, {
            "type": "kyphoplasty", "performed_at": performed, "levels": ["L1"],
            "fracture_cause": "osteoporosis", "anaesthesia": "local", "setting": "outpatient",
            "baseline_pain": baseline, "cement_leakage": "no",
        }, staff, now)
        db.session.commit()
    return patient


def dispatch(now: datetime):
    """Run the reminder dispatcher once, as the scheduler would at `now`."""
    return dispatch_due(now, worker="browser-test")


def link_in(message, path_prefix: str) -> str:
    """The first link to `path_prefix` in an e-mail's plain-text part."""
    body = message.get_body(("plain",)).get_content()
    match = re.search(rf"https?://\S+{re.escape(path_prefix)}\S*", body)
    assert match, f"no {path_prefix} link in:\n{body}"
    return match.group(0)


def sign_in(tab, login: str, password: str = TEST_PASSWORD):
    """Sign in through the real form; returns the page after sign-in (scanned)."""
    page = tab.go("/login")
    page.get_by_label(re.compile("E-mail|Correo")).fill(login)
    page.get_by_label(re.compile("^(Password|Contraseña)")).fill(password)
    page.get_by_role("button", name=re.compile("Sign in|Iniciar sesión|Entrar")).click()
    return tab.scan()
