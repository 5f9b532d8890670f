"""Helpers for the API tests: a token for a user, bearer calls, every table's row count."""

from sqlalchemy import func, select

from recovery.extensions import db
from recovery.models import utcnow
from recovery.services.api_tokens import create_token

CHECKIN = {"pain_now": 3, "worst_pain": 5, "walking_level": 3, "minutes_upright": 30, "medication": "otc",
           "sleep_disturbed": False, "flag_neuro": False, "flag_chest": False, "flag_infection": False,
           "flag_calf": False}


def token_for(user) -> str:
    """A fresh personal token (the secret) for `user`."""
    secret = create_token(user, {"name": "test"}, utcnow()).secret
    db.session.commit()
    return secret


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


class Api:
    """A test client that sends one user's token with every request, and no session."""

    def __init__(self, client, user):
        self.client = client
        self.headers = bearer(token_for(user))

    def get(self, path, **kwargs):
        return self.client.get("/api/v1" + path, headers=self.headers, **kwargs)

    def put(self, path, **kwargs):
        return self.client.put("/api/v1" + path, headers=self.headers, **kwargs)

    def post(self, path, **kwargs):
        return self.client.post("/api/v1" + path, headers=self.headers, **kwargs)


def row_counts() -> dict:
    """Rows per table, to prove a refused request wrote nothing."""
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}
