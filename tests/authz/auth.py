"""Matrix rows for the auth blueprint and the health check."""

from . import ACTORS, Row, everyone

ROWS = [
    Row("/", "GET", "/", {a: 302 for a in ACTORS}),
    Row("/login", "GET", "/login", everyone(200)),
    Row("/login", "POST", "/login", everyone(400)),  # empty form: rejected, never a 500
    Row("/logout", "POST", "/logout", {**{a: 302 for a in ACTORS}}),
    Row("/set-password/<token>", "GET", "/set-password/not-a-token", everyone(404)),
    Row("/set-password/<token>", "POST", "/set-password/not-a-token", everyone(404)),
    Row("/healthz", "GET", "/healthz", everyone(200)),
]
