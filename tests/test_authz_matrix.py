"""Every (route, method, actor) with real ids: who gets in, who gets 403, 404 or the login page.

A route that the app serves but no row covers fails `test_every_route_is_in_the_matrix`,
so each new route must join the table in the same commit.
"""

import pkgutil
from importlib import import_module

import pytest

from . import authz
from .authz import ACTORS
from .conftest import api_tokens_for, client_as

ROWS = [
    row
    for info in pkgutil.iter_modules(authz.__path__)
    for row in import_module(f"{authz.__name__}.{info.name}").ROWS
]
SKIP_RULES = {"/static/<path:filename>"}


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
    tokens = api_tokens_for(users)
    failures = []
    for row in ROWS:
        path = row.path.format(**ids)
        if row.bearer:  # the API: the actor's token, never a session
            client = app.test_client()
            headers = {"Authorization": f"Bearer {tokens[actor]}"} if actor in tokens else {}
            response = client.open(path, method=row.method, headers=headers, json=row.body(ids))
        else:
            client = client_as(app, users, actor)  # fresh each time: a row may log the user out
            response = client.open(path, method=row.method)
        expected = row.expected[actor]
        if response.status_code != expected:
            failures.append(f"{row.method} {path}: got {response.status_code}, want {expected}")
        if expected == 302 and actor in ("anon", "inactive") and row.rule.startswith(
            ("/patient", "/staff", "/clinic")
        ):
            assert "/login" in response.headers["Location"]
    assert failures == [], "\n".join(failures)
