"""Every web form, fed hypothesis-generated values: never a 500; refused input answers 4xx with a
message and writes no row anywhere.

The forms are found on the pages themselves (tests/formscan.py), so a field added to a template
is fuzzed without touching this file. Each page is opened as the actor it is meant for.
"""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from recovery.extensions import db
from recovery.models import Patient, utcnow
from recovery.reminders import links
from recovery.services import accounts, appointments, checkins

from . import fuzzing  # noqa: F401  (loads the shared hypothesis profile)
from .conftest import client_as
from .formscan import forms_on

# Values that have broken web apps before: empty, blanks, signs, overflows, NaN, bad dates and
# times, NUL and other control characters, markup, SQL, very long text, non-ASCII digits.
NASTY = ["", " ", "0", "-1", "11", "999999999999999999999", "1e309", "NaN", "-0", "3.5", "0x10",
         "2026-02-30", "2026-13-01", "1900-01-01", "9999-12-31T23:59", "2026-11-20T25:61", "24:00",
         "\x00", "a\x00b", "\r\n", "<script>alert(1)</script>", "' OR 1=1 --", "x" * 5000, "١٢",
         "🙂", "\u202e", "null", "true", "[]", "{}", "MRN-0001", "nobody@example.org"]
ANY_TEXT = st.one_of(st.sampled_from(NASTY), st.text(max_size=40),
                     st.integers(-10**6, 10**6).map(str))


def _field(offered: set[str]):
    """Mostly what the page offers (to get past the first check), often anything at all."""
    if offered:
        return st.one_of(st.sampled_from(sorted(offered)), ANY_TEXT)
    return ANY_TEXT


def _row_counts() -> tuple:
    """Rows in every table, in one query (it runs before and after each of many requests); but
    sign_in_failures: a wrong password for a real account (say "MRN-0001") is kept on purpose, for
    its owner to see (tests/test_login_throttle.py)."""
    counts = [select(func.count()).select_from(t).scalar_subquery() for t in db.metadata.sorted_tables
              if t.name != "sign_in_failures"]
    return tuple(db.session.execute(select(*counts)).one())


def _pages(ids, tokens):
    """(actor, page) for every page that holds a form."""
    a = ids["patient_a"]
    return [
        ("anon", "/login"),
        ("anon", "/forgot-password"),
        ("anon", f"/set-password/{tokens['set_password']}"),
        ("anon", f"/c/{tokens['checkin']}"),
        ("patient_a", "/patient/checkin"),
        ("patient_a", "/patient/settings"),
        ("staff", "/staff/"),
        ("staff", "/staff/patients/new"),
        ("staff", f"/staff/patients/{a}"),
        ("staff", f"/staff/patients/{a}/procedures/new"),
        ("staff", f"/staff/procedures/{ids['procedure_a']}/edit"),
        ("staff", f"/staff/patients/{a}/checkin"),
        ("staff", "/staff/outbox"),
        ("staff", "/staff/audit"),
        ("clinician", f"/clinic/patients/{a}"),
        ("clinician", "/clinic/cohort"),
    ]


SKIP_ACTIONS = ("/logout", "/discharge", "/link", "/unsubscribe/", "/export", ".csv", ".json")


@pytest.fixture
def fuzz_world(app, world):
    users, ids = world
    patient_a = db.session.get(Patient, ids["patient_a"])
    now = utcnow()
    # A follow-up visit, so the reschedule, cancel and mark forms appear on the staff page.
    in_a_week = (now + timedelta(days=7)).astimezone(ZoneInfo(app.config["CLINIC_TIMEZONE"]))
    appointments.schedule_follow_up(patient_a, {"kind": "follow_up",
                                                "scheduled_for": in_a_week.strftime("%Y-%m-%dT10:00")},
                                    users["staff"], now)
    tokens = {
        "set_password": accounts.issue_set_password_token(patient_a.user, now, valid_for=timedelta(days=1)),
        "checkin": links.issue_checkin_link(patient_a, checkins.local_today(patient_a, now), now),
    }
    db.session.commit()
    return users, ids, tokens


@pytest.mark.parametrize("index", range(16))
def test_every_form_field_survives_fuzzing(app, fuzz_world, index):
    users, ids, tokens = fuzz_world
    actor, page = _pages(ids, tokens)[index]
    client = client_as(app, users, actor)
    response = client.get(page)
    assert response.status_code == 200, page
    forms = [f for f in forms_on(response.get_data(as_text=True), f"http://localhost{page}")
             if f.fields and not any(skip in f.action for skip in SKIP_ACTIONS)]
    assert forms, f"no form found on {page}"
    for form in forms:
        _fuzz(app, users, actor, form)


def _fuzz(app, users, actor, form):
    names = sorted(form.fields)
    values = st.fixed_dictionaries({name: _field(form.fields[name]) for name in names})

    client = client_as(app, users, actor)
    state = {"counts": _row_counts()}

    @given(values=values)
    def attempt(values):
        before = state["counts"]
        path = form.action.removeprefix("http://localhost")
        if form.method == "POST":
            response = client.post(path, data=values)
        else:
            response = client.get(path, query_string=values)
        body = response.get_data(as_text=True)
        where = f"{form.method} {form.pattern} {values!r}"
        assert response.status_code < 500, where
        state["counts"] = _row_counts()
        if 400 <= response.status_code < 500:
            assert state["counts"] == before, f"rows written on refused input: {where}"
            assert response.status_code == 404 or _has_message(body), f"no message: {where}"

    attempt()


def _has_message(html: str) -> bool:
    return bool(re.search(r'class="(error|errors|flash|error-page)[" ]|role="alert"', html))


def test_the_scanner_finds_the_fields_people_fill_in(app, fuzz_world):
    users, ids, tokens = fuzz_world
    client = client_as(app, users, "staff")
    (form,) = [f for f in forms_on(client.get("/staff/patients/new").get_data(as_text=True),
                                   "http://localhost/staff/patients/new") if f.pattern.endswith("/new")]
    assert {"display_name", "record_number", "date_of_birth", "phone", "email"} <= set(form.fields)
