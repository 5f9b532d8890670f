"""The API's rate limits: per token (wherever it is sent from) and per client address (bad tokens too)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from recovery.config import ConfigError
from recovery.extensions import db
from recovery.models import CheckIn

from .api_helpers import CHECKIN, bearer, row_counts, token_for
from .conftest import FreshContextClient, _make_app

HOME, OTHER, THIRD = "203.0.113.7", "198.51.100.2", "192.0.2.44"


@pytest.fixture
def limited(app, _schema, tmp_path):
    """The app with limits on, small enough to reach: 2 requests per token, 4 per address, a minute."""

    def make(per_key="2 per minute", per_address="4 per minute"):
        limited_app = _make_app(_schema, tmp_path / "limited", RATELIMIT_ENABLED=True,
                                API_RATE_LIMIT=per_key, API_RATE_LIMIT_PER_ADDRESS=per_address)
        limited_app.test_client_class = FreshContextClient
        made.append(limited_app)
        return limited_app.test_client()

    made = []
    yield make
    for limited_app in made:
        with limited_app.app_context():
            db.engine.dispose()


def _me(client, secret, address, **kwargs):
    return client.get("/api/v1/me", headers=bearer(secret), environ_base={"REMOTE_ADDR": address}, **kwargs)


def test_a_token_over_its_limit_gets_429_while_another_token_from_the_same_address_works(limited, make_user):
    client = limited(per_key="2 per minute", per_address="100 per minute")
    first, second = token_for(make_user("staff")), token_for(make_user("clinician"))
    assert [_me(client, first, HOME).status_code for _ in range(2)] == [200, 200]
    refused = _me(client, first, HOME)
    assert refused.status_code == 429
    assert _me(client, second, HOME).status_code == 200


def test_one_token_from_two_addresses_shares_one_count(limited, make_user):
    client = limited(per_key="2 per minute", per_address="100 per minute")
    secret = token_for(make_user("staff"))
    assert _me(client, secret, HOME).status_code == 200
    assert _me(client, secret, OTHER).status_code == 200
    assert _me(client, secret, THIRD).status_code == 429


def test_bad_tokens_from_one_address_reach_the_per_address_limit(limited, make_user):
    client = limited(per_key="100 per minute", per_address="4 per minute")
    good = token_for(make_user("staff"))
    guesses = [_me(client, f"rcv_guess{n}", HOME).status_code for n in range(3)]
    missing = client.get("/api/v1/me", environ_base={"REMOTE_ADDR": HOME}).status_code
    assert guesses + [missing] == [401, 401, 401, 401]
    # The address has spent its four: the next guess, and even a good token from there, wait.
    assert _me(client, "rcv_guess9", HOME).status_code == 429
    assert _me(client, good, HOME).status_code == 429
    # Another address is not affected.
    assert _me(client, good, OTHER).status_code == 200


def test_a_refusal_is_json_with_retry_after(limited, make_user):
    client = limited(per_key="1 per minute", per_address="100 per minute")
    secret = token_for(make_user("staff"))
    assert _me(client, secret, HOME).status_code == 200
    refused = _me(client, secret, HOME)
    assert refused.status_code == 429 and refused.mimetype == "application/json"
    assert refused.get_json() == {"code": "rate_limited",
                                  "message": "Too many requests. Please wait a moment and try again."}
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


def test_a_check_in_refused_by_the_limit_stores_nothing(limited, make_patient):
    client = limited(per_key="1 per minute", per_address="100 per minute")
    patient = make_patient()
    secret = token_for(patient.user)
    assert _me(client, secret, HOME).status_code == 200
    before = row_counts()
    refused = client.put("/api/v1/me/checkins/today", json=CHECKIN, headers=bearer(secret),
                         environ_base={"REMOTE_ADDR": HOME})
    assert refused.status_code == 429
    assert row_counts() == before
    assert db.session.scalar(db.select(db.func.count()).select_from(CheckIn)) == 0


def test_the_limit_starts_again_after_its_window(limited, make_user):
    client = limited(per_key="2 per minute", per_address="100 per minute")
    secret = token_for(make_user("staff"))
    assert [_me(client, secret, HOME).status_code for _ in range(3)] == [200, 200, 429]
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=61), tick=True):
        assert _me(client, secret, HOME).status_code == 200


def test_the_address_limit_also_counts_the_public_document(limited):
    client = limited(per_key="100 per minute", per_address="2 per minute")
    fetch = lambda: client.get("/api/v1/openapi.json", environ_base={"REMOTE_ADDR": HOME})  # noqa: E731
    assert [fetch().status_code for _ in range(3)] == [200, 200, 429]


@pytest.mark.no_test_database
@pytest.mark.parametrize("key", ["API_RATE_LIMIT", "API_RATE_LIMIT_PER_ADDRESS"])
@pytest.mark.parametrize("value", ["lots", "0 per minute", "5 per fortnight", "1 per second; 9 per day", 300])
def test_a_bad_limit_stops_start_up_with_one_clear_line(tmp_path, key, value):
    with pytest.raises(ConfigError, match=rf"^{key} must ") as refused:
        _make_app("sqlite://", tmp_path, **{key: value})
    assert "\n" not in str(refused.value)
