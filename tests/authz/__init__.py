"""Rows of the authorization matrix, one module per area; test_authz_matrix.py runs them all.

A row is `Row(rule, method, path, expected)`: `rule` is the Flask URL rule it covers, `path`
is the concrete URL with `{placeholders}` filled from the matrix world (patient_a, patient_b,
checkin_a, checkin_b, procedure_a, alert_a, ...), and `expected` maps each actor
(anon, patient_a, patient_b, clinician, staff, inactive) to the status code it must get.
"""

from dataclasses import dataclass

ACTORS = ("anon", "patient_a", "patient_b", "clinician", "staff", "inactive")
LOGIN = 302  # anonymous (and deactivated) users are sent to the login page


@dataclass(frozen=True)
class Row:
    rule: str
    method: str
    path: str
    expected: dict


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
