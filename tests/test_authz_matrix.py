"""Every (route, method, actor) with real ids: who gets in, who gets 403, 404 or the login page.

A route that the app serves but no row covers fails `test_every_route_is_in_the_matrix`,
so each new route must join the table in the same commit.
"""

import pkgutil
from importlib import import_module

import pytest

from recovery.extensions import db
from recovery.models import Alert

from . import authz
from .authz import ACTORS

ROWS = [
    row
    for info in pkgutil.iter_modules(authz.__path__)
    for row in import_module(f"{authz.__name__}.{info.name}").ROWS
]
SKIP_RULES = {"/static/<path:filename>"}


@pytest.fixture
def world(app, make_user, make_patient, client):
    """Two patients with a check-in each, an alert for A, a clinician, staff, a deactivated user."""
    from recovery.models import utcnow
    from recovery.services.checkins import save_checkin

    app.config["WTF_CSRF_ENABLED"] = False  # the matrix tests authorization; CSRF has its own tests
    a, b = make_patient(), make_patient()
    answers = {"pain_now": 4, "worst_pain": 6, "walking_level": 2, "minutes_upright": 20,
               "medication": "otc", "sleep_disturbed": "no", "flag_neuro": "yes",
               "flag_chest": "no", "flag_infection": "no", "flag_calf": "no"}
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
    return users, ids


def _client_for(app, users, actor):
    client = app.test_client()
    if actor in users:
        with client.session_transaction() as session:
            session["_user_id"] = str(users[actor].id)
            session["_fresh"] = True
    return client


def test_every_route_is_in_the_matrix(app):
    covered = {(row.rule, row.method) for row in ROWS}
    missing = [
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.rule not in SKIP_RULES
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
        if (rule.rule, method) not in covered
    ]
    assert missing == [], f"routes missing from the authorization matrix: {missing}"


@pytest.mark.parametrize("actor", ACTORS)
def test_matrix(app, world, actor):
    users, ids = world
    failures = []
    for row in ROWS:
        client = _client_for(app, users, actor)  # fresh each time: a row may log the user out
        path = row.path.format(**ids)
        response = client.open(path, method=row.method)
        expected = row.expected[actor]
        if response.status_code != expected:
            failures.append(f"{row.method} {path}: got {response.status_code}, want {expected}")
        if expected == 302 and actor in ("anon", "inactive") and row.rule.startswith(
            ("/patient", "/staff", "/clinic")
        ):
            assert "/login" in response.headers["Location"]
    assert failures == [], "\n".join(failures)
