"""Every state-changing route refuses a POST without its CSRF token and writes nothing."""

from sqlalchemy import func, select

from recovery.extensions import db

from .conftest import client_as
from .test_authz_matrix import ROWS

# The API takes no session cookie, so there is nothing to forge (tests/test_api_auth.py); nor do
# Twilio's webhooks, which need its signature instead (tests/test_sms_webhooks.py).
POST_ROWS = [row for row in ROWS if row.method == "POST" and not row.bearer and not row.rule.startswith("/sms/")]


def _row_counts() -> dict:
    return {t.name: db.session.scalar(select(func.count()).select_from(t))
            for t in db.metadata.sorted_tables}


def test_every_post_route_without_csrf_token_is_refused_and_writes_nothing(app, world):
    users, ids = world
    app.config["WTF_CSRF_ENABLED"] = True
    assert POST_ROWS, "no POST routes found"
    for row in POST_ROWS:
        # The actor the route is meant for (or anyone, for public routes).
        actor = next((a for a, code in row.expected.items() if code not in (302, 403, 404)),
                     "staff")
        client = client_as(app, users, actor)  # signing in writes its session row first
        before = _row_counts()
        response = client.post(row.path.format(**ids), data={"note": "x", "pain_now": "3"})
        assert response.status_code in (400, 404), (row.path, actor, response.status_code)
        if response.status_code == 400:
            assert "expired" in response.get_data(as_text=True), row.path
        assert _row_counts() == before, row.path
