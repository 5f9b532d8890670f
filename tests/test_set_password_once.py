"""One set-password link posted by several requests at once (a double click, two tabs, an attacker
racing the owner), each on its own database session: exactly one sets a password, the others are
told the link was already used."""

import threading
from datetime import timedelta

import pytest
from werkzeug.security import check_password_hash

from recovery.extensions import db
from recovery.models import User, utcnow
from recovery.services import accounts

from .conftest import csrf_token

REQUESTS = 3


@pytest.mark.parametrize("purpose", ["invite", "reset"])
def test_a_link_posted_by_several_requests_at_once_sets_exactly_one_password(
        app, make_patient, monkeypatch, purpose):
    patient = make_patient()
    token = accounts.issue_set_password_token(patient.user, utcnow(), purpose, valid_for=timedelta(hours=1))
    db.session.commit()
    url = f"/set-password/{token}"
    tabs = []
    for _ in range(REQUESTS):
        client = app.test_client()
        tabs.append((client, csrf_token(client, url)))  # each has the form open: the link works

    # Every request has checked the link and is hashing its password before any of them writes.
    together = threading.Barrier(REQUESTS, timeout=60)
    real_hash = accounts.generate_password_hash

    def hash_together(password):
        together.wait()
        return real_hash(password)

    monkeypatch.setattr(accounts, "generate_password_hash", hash_together)
    answers = {}

    def submit(i):
        client, csrf = tabs[i]
        password = f"the-new-secret-number-{i}"
        with app.app_context():
            response = client.post(url, data={"password": password, "confirm": password, "csrf_token": csrf})
            answers[i] = (response.status_code, response.get_data(as_text=True))

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    winners = [i for i, (status, _) in answers.items() if status == 302]
    assert len(answers) == REQUESTS and len(winners) == 1, answers
    for i, (status, body) in answers.items():
        if i not in winners:
            assert status == 409 and "This link was already used" in body
    db.session.expire_all()
    user = db.session.get(User, patient.user_id)
    assert check_password_hash(user.password_hash, f"the-new-secret-number-{winners[0]}")
