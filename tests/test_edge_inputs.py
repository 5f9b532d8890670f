"""Extreme dates and ids: a 4xx with a message, never a 500 (issue 15, item 8).

Dates at the ends of what Python's `date` holds (0001-01-01, 9999-12-31) overflowed when the
cohort, CSV and audit filters added a day or moved to UTC; ids of 2^31 and more overflow
PostgreSQL's integer and ids of 2^63 and more overflow SQLite's.
"""

import pytest
from werkzeug.routing import IntegerConverter

from recovery.extensions import db

from .api_helpers import bearer, token_for
from .conftest import client_as

EXTREME_DAYS = ("9999-12-31", "0001-01-01", "9999-12-30", "0001-01-02")
HUGE_IDS = (2**31, 2**63, 2**64 + 1, 10**40)


@pytest.mark.parametrize("day", EXTREME_DAYS)
@pytest.mark.parametrize("field", ["from", "to"])
@pytest.mark.parametrize("url,role", [("/clinic/cohort", "clinician"), ("/clinic/cohort.csv", "clinician"),
                                      ("/staff/audit", "staff")])
def test_extreme_filter_dates_are_refused_with_a_message(world, app, url, role, field, day):
    users, _ = world
    response = client_as(app, users, role).get(url, query_string={field: day})
    assert response.status_code == 400, response.get_data(as_text=True)[:500]
    assert "date" in response.get_data(as_text=True).lower()


def _int_routes(app):
    for rule in app.url_map.iter_rules():
        ints = [name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]
        if ints:
            methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
            yield rule, ints, methods


def _url(rule, ints, value):
    url = rule.rule
    for name in ints:
        url = url.replace(f"<int:{name}>", str(value))
    return url


@pytest.mark.parametrize("value", [*HUGE_IDS, -1, "9" * 400])
def test_every_route_with_an_integer_id_answers_404_to_an_impossible_id(world, app, value):
    """Walk app.url_map: each rule with an <int:…> part, each method, as a user whose role may use it."""
    users, _ = world
    app.config["WTF_CSRF_ENABLED"] = False
    api_tokens = {role: bearer(token_for(users[role])) for role in ("patient_a", "clinician", "staff")}
    seen = 0
    for rule, ints, methods in _int_routes(app):
        url = _url(rule, ints, value)
        for method in methods:
            for role in ("patient_a", "clinician", "staff"):
                if rule.rule.startswith("/api/"):
                    response = app.test_client().open(url, method=method, headers=api_tokens[role], json={})
                else:
                    response = client_as(app, users, role).open(url, method=method, data={})
                seen += 1
                assert response.status_code in (403, 404), (method, url, role, response.status_code)
    assert seen > 50
    db.session.rollback()


@pytest.mark.parametrize("value", [*HUGE_IDS, "-1", "9" * 400, "1e3"])
def test_ids_in_query_strings_and_forms_answer_4xx(world, app, value):
    users, ids = world
    clinician = client_as(app, users, "clinician")
    response = clinician.get(f"/clinic/patients/{ids['patient_a']}/summary", query_string={"visit": value})
    assert response.status_code == 404
    for args in ({"clinician": value}, {"patient": value}, {"user": value}):
        page = "/clinic/cohort" if "clinician" in args else "/staff/audit"
        client = clinician if page.startswith("/clinic") else client_as(app, users, "staff")
        response = client.get(page, query_string=args)
        assert response.status_code < 500, (page, args, response.status_code)


def _get_routes(app, ids):
    """Every GET route of the url map, with the world's ids filled in (the patient's own check-in)."""
    fill = {"patient_id": ids["patient_a"], "checkin_id": ids["checkin_a"], "alert_id": ids["alert_a"],
            "procedure_id": ids["procedure_a"], "appointment_id": ids["appointment_a"]}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or any(name not in fill for name in rule.arguments):
            continue
        url = rule.rule
        for name in rule.arguments:
            url = url.replace(f"<int:{name}>", str(fill[name]))
        yield rule, url


def test_every_page_export_and_api_answer_says_no_store_and_static_files_may_be_cached(world, app):
    users, ids = world
    tokens = {role: bearer(token_for(users[role])) for role in ("patient_a", "clinician", "staff")}
    checked = set()
    for rule, url in _get_routes(app, ids):
        for role in ("patient_a", "clinician", "staff", "anonymous"):
            if rule.rule.startswith("/api/"):
                response = app.test_client().get(url, headers=tokens.get(role, {}))
            else:
                response = client_as(app, users, role).get(url)
            response.close()
            if rule.endpoint in ("static", "vendor.plotly_js"):
                continue
            assert response.headers.get("Cache-Control") == "no-store", (url, role, response.status_code)
            if response.status_code == 200:
                checked.add(rule.endpoint)
    # Pages with health data, the CSV and FHIR exports and API JSON were among those answered.
    assert {"clinic.patient", "clinic.cohort_csv", "clinic.patient_fhir", "patient.checkin_detail",
            "staff.patient", "api.patient_checkins", "api.my_checkins"} <= checked, checked
    static = app.test_client().get("/static/recovery.css")
    static.close()
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")
