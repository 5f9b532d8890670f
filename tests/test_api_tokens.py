"""Personal API tokens: made on a page and shown once, stored as a hash, revoked at once, never logged."""

import hashlib
import logging
import re

from sqlalchemy import select

from recovery.extensions import db
from recovery.models import ApiToken, utcnow
from recovery.services import api_tokens

from .api_helpers import CHECKIN, bearer, token_for
from .conftest import csrf_token, statements


def make_on_page(client, name="phone app"):
    response = client.post("/account/tokens", data={"name": name, "csrf_token": csrf_token(client, "/account/tokens")})
    match = re.search(r'data-testid="token-secret">([^<]+)<', response.get_data(as_text=True))
    return response, match.group(1) if match else None


def test_a_token_made_on_the_page_is_shown_once_and_stored_only_as_its_hash(client, make_user, login):
    user = login(make_user("clinician"))
    response, secret = make_on_page(client)
    assert response.status_code == 201 and secret.startswith("rcv_")
    assert response.headers["Cache-Control"] == "no-store"
    stored = db.session.scalar(select(ApiToken))
    assert stored.user_id == user.id and stored.name == "phone app"
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert "phone app" in listing and secret not in listing
    me = client.get("/api/v1/me", headers=bearer(secret))
    assert me.status_code == 200 and me.get_json()["role"] == "clinician"


def test_every_role_reaches_the_token_page_from_its_navigation(client, make_user, make_patient, login):
    # Patients find it under Settings ("For app developers"), not in their menu; the others in the menu.
    for user, home, via in ((make_patient().user, "/patient/", "/patient/settings"),
                            (make_user("clinician"), "/clinic/", None), (make_user("staff"), "/staff/", None)):
        login(user)
        page = client.get(home).get_data(as_text=True)
        if via:
            assert 'href="/account/tokens"' not in page and f'href="{via}"' in page, home
            page = client.get(via).get_data(as_text=True)
        assert 'href="/account/tokens"' in page, home
        client.post("/logout", data={"csrf_token": csrf_token(client, home)})


def test_a_token_needs_a_name_and_nothing_is_made_without_one(client, make_user, login):
    login(make_user("staff"))
    response, secret = make_on_page(client, name="  ")
    assert response.status_code == 400 and secret is None
    assert db.session.scalar(select(ApiToken)) is None


def test_a_revoked_token_stops_working_at_once(client, make_user, login):
    user = login(make_user("staff"))
    _, secret = make_on_page(client)
    token = db.session.scalar(select(ApiToken))
    response = client.post(f"/account/tokens/{token.id}/revoke",
                           data={"csrf_token": csrf_token(client, "/account/tokens")})
    assert response.status_code == 302
    refused = client.get("/api/v1/me", headers=bearer(secret))
    assert refused.status_code == 401 and refused.get_json()["code"] == "unauthorized"
    assert "revoked" in client.get("/account/tokens").get_data(as_text=True)
    assert user.id == token.user_id


def test_nobody_can_revoke_another_users_token(client, make_user, login):
    other = make_user("clinician")
    secret = token_for(other)
    token = db.session.scalar(select(ApiToken))
    login(make_user("staff"))
    response = client.post(f"/account/tokens/{token.id}/revoke",
                           data={"csrf_token": csrf_token(client, "/account/tokens")})
    assert response.status_code == 404
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200


def test_a_deactivated_users_token_is_refused(client, make_user):
    user = make_user("staff")
    secret = token_for(user)
    user.active = False
    db.session.commit()
    response = client.get("/api/v1/me", headers=bearer(secret))
    assert response.status_code == 401 and response.get_json()["code"] == "unauthorized"


def test_the_session_cookie_is_ignored_by_the_api(client, make_patient, login):
    login(make_patient().user)
    assert client.get("/patient/").status_code == 200  # signed in on the web
    response = client.put("/api/v1/me/checkins/today", json=CHECKIN)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/v1/me").status_code == 401


def test_unknown_and_badly_formed_credentials_get_401(client):
    for header in ("Bearer rcv_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "rcv_abc"):
        response = client.get("/api/v1/me", headers={"Authorization": header})
        assert response.status_code == 401 and response.get_json()["code"] == "unauthorized", header


def test_a_token_is_found_by_one_indexed_lookup(client, make_user):
    secret = token_for(make_user("staff"))
    with statements() as seen:
        assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    lookups = [s for s in seen if "FROM api_tokens" in s]
    assert len(lookups) == 1 and "api_tokens.token_hash = " in lookups[0]


def test_last_use_is_noted_at_most_once_a_minute(app, make_user):
    user = make_user("staff")
    secret = token_for(user)
    now = utcnow()
    assert api_tokens.authenticate(secret, now) == user
    token = db.session.scalar(select(ApiToken))
    assert token.last_used_at == now
    api_tokens.authenticate(secret, now + api_tokens.TOUCH_EVERY / 2)
    assert token.last_used_at == now


def test_tokens_never_appear_in_logs(app, client, make_patient, make_user, caplog):
    patient = make_patient()
    secret = token_for(patient.user)
    staff = make_user("staff")
    revoked = token_for(staff)
    api_tokens.revoke(staff, db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == staff.id)), utcnow())
    db.session.commit()
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")  # every statement with its parameters
    client.get("/api/v1/me", headers=bearer(secret))
    client.put("/api/v1/me/checkins/today", headers=bearer(secret), json={**CHECKIN, "flag_chest": True})
    client.put("/api/v1/me/checkins/today", headers=bearer(secret), data="{", content_type="application/json")
    client.get("/api/v1/me", headers=bearer(revoked))
    client.get("/api/v1/me", headers=bearer(secret + "x"))
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "api_tokens" in text, "the statements were not captured"
    for leaked in (secret, revoked, secret.removeprefix("rcv_"), revoked.removeprefix("rcv_")):
        assert leaked not in text
