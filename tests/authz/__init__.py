"""Rows of the authorization matrix, one module per area; test_authz_matrix.py runs them all.

A row is `Row(rule, method, path, expected)`: `rule` is the Flask URL rule it covers, `path`
is the concrete URL with `{placeholders}` filled from the matrix world (patient_a, patient_b,
checkin_a, checkin_b, procedure_a, alert_a, ...), and `expected` maps each actor
(anon, patient_a, patient_b, clinician, staff, inactive) to the status code it must get.

API rows set `bearer=True`: the request carries the actor's personal API token and no session
(anonymous: no token), and `json` is the body to send (a function of the world's ids, or a dict).
"""

from collections.abc import Callable
from dataclasses import dataclass

ACTORS = ("anon", "patient_a", "patient_b", "clinician", "staff", "inactive")
LOGIN = 302  # anonymous (and deactivated) users are sent to the login page
NO_TOKEN = 401  # the API's answer to no token, an unknown or revoked one, or a deactivated account


@dataclass(frozen=True)
class Row:
    rule: str
    method: str
    path: str
    expected: dict
    bearer: bool = False
    json: dict | Callable[[dict], dict] | None = None

    def body(self, ids: dict):
        """The JSON body to send, if any."""
        return self.json(ids) if callable(self.json) else self.json


def only(actor_or_role: str, status: int = 200, **others) -> dict:
    """Expected codes when one role may use a route: others get 403, anonymous the login page.

    `actor_or_role` is "patient" (both patients allowed), "patient_a", "clinician" or "staff".
    """
    expected = {a: 403 for a in ACTORS}
    expected["anon"] = expected["inactive"] = LOGIN
    allowed = ("patient_a", "patient_b") if actor_or_role == "patient" else (actor_or_role,)
    for actor in allowed:
        expected[actor] = status
    expected.update(others)
    return expected


def everyone(status: int = 200) -> dict:
    """A public route: every actor gets `status`."""
    return {a: status for a in ACTORS}


def api_only(role: str, status: int = 200, **others) -> dict:
    """Expected codes for an API operation of one role: no token or inactive 401, other roles 403."""
    return only(role, status, anon=NO_TOKEN, inactive=NO_TOKEN, **others)


def signed_in(status: int = 200) -> dict:
    """A page for every signed-in user: anonymous and deactivated users go to the login page."""
    expected = everyone(status)
    expected["anon"] = expected["inactive"] = LOGIN
    return expected
