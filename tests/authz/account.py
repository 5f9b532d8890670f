"""Matrix rows for the account blueprint (personal API tokens, sessions): every signed-in user, own
tokens and sessions only."""

from . import ACTORS, Row, signed_in

ROWS = [
    Row("/account/tokens", "GET", "/account/tokens", signed_in()),
    # An empty form: the token's name is required, so 400 and nothing made.
    Row("/account/tokens", "POST", "/account/tokens", signed_in(400)),
    Row("/account/tokens/<int:token_id>/revoke", "POST", "/account/tokens/999999/revoke", signed_in(404)),
    Row("/account/sessions", "GET", "/account/sessions", signed_in()),
    Row("/account/sessions/<int:session_id>/end", "POST", "/account/sessions/999999/end", signed_in(404)),
    # Sign out everywhere: every signed-in user may, and lands on the sign-in page.
    # The idle notice's "Stay signed in" (a JSON answer; the request itself keeps the session).
    Row("/account/stay-signed-in", "POST", "/account/stay-signed-in", signed_in()),
    Row("/account/sessions/end-all", "POST", "/account/sessions/end-all", {a: 302 for a in ACTORS}),
]
