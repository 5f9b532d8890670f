"""Matrix rows for the account blueprint (personal API tokens): every signed-in user, own tokens only."""

from . import Row, signed_in

ROWS = [
    Row("/account/tokens", "GET", "/account/tokens", signed_in()),
    # An empty form: the token's name is required, so 400 and nothing made.
    Row("/account/tokens", "POST", "/account/tokens", signed_in(400)),
    Row("/account/tokens/<int:token_id>/revoke", "POST", "/account/tokens/999999/revoke", signed_in(404)),
]
