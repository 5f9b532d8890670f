"""Friendly error pages with a request id; JSON under /api/; never a traceback or SQL."""

import logging

import pytest
from sqlalchemy import text

from recovery.extensions import db

from .conftest import csrf_token


def test_unknown_page_is_a_friendly_404_with_a_request_id(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found." in response.get_data(as_text=True)
    assert len(response.headers["X-Request-ID"]) >= 8
    assert response.headers["Content-Security-Policy"]  # error pages get the headers too


def test_wrong_method_is_405_with_allow(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert "That action is not allowed here." in response.get_data(as_text=True)
    assert "POST" in response.headers["Allow"]


def test_forbidden_page_says_so(client, make_user, login):
    login(make_user("patient"))
    response = client.get("/staff/")
    assert response.status_code == 403
    assert "You do not have access to this page." in response.get_data(as_text=True)


def test_api_paths_get_the_apis_json_errors_with_code_and_message(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    body = response.get_json()
    assert body["code"] == "not_found" and body["message"]
    assert response.headers["X-Request-ID"]


def test_a_proxy_request_id_is_kept_and_a_forged_one_replaced(client):
    assert client.get("/login", headers={"X-Request-ID": "abc12345-proxy"}).headers[
        "X-Request-ID"] == "abc12345-proxy"
    forged = client.get("/login", headers={"X-Request-ID": "x ERROR <script> fake log line"})
    assert " " not in forged.headers["X-Request-ID"] and "fake" not in forged.headers["X-Request-ID"]


@pytest.fixture
def broken_app(app):  # the tests using it are marked own_app: they add routes
    """A route that fails with a database error, served as in production (no propagation)."""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken():
        db.session.execute(text("SELECT secret_column FROM no_such_table"))
        return "unreachable"

    app.add_url_rule("/broken", "broken", broken)
    return app


@pytest.mark.own_app
def test_a_crash_shows_a_friendly_500_with_its_reference_and_no_trace(broken_app, caplog):
    client = broken_app.test_client()
    with caplog.at_level(logging.ERROR, logger=broken_app.logger.name):
        response = client.get("/broken")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    request_id = response.headers["X-Request-ID"]
    assert "Something went wrong on our side" in html
    assert request_id in html  # the person can quote it
    for leak in ("Traceback", "no_such_table", "SELECT", "secret_column", "sqlalchemy"):
        assert leak not in html
    # The log has the traceback, tagged with the same request id.
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert logged and logged[0].request_id == request_id and logged[0].exc_info


@pytest.mark.own_app
def test_a_crash_under_api_is_json_without_a_trace(broken_app):
    broken_app.add_url_rule("/api/v1/broken", "api_broken", broken_app.view_functions["broken"])
    response = broken_app.test_client().get("/api/v1/broken")
    assert response.status_code == 500
    body = response.get_json()
    assert body["code"] == "internal_error" and "no_such_table" not in response.get_data(as_text=True)
    assert response.headers["X-Request-ID"]


def test_a_csrf_failure_is_a_friendly_400(client, make_user, login):
    login(make_user("staff"))
    response = client.post("/logout", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert csrf_token(client, "/staff/")  # still signed in
