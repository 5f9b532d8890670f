"""Matrix rows for the security routes: the password-reset request page is public."""

from . import Row, everyone

ROWS = [
    Row("/forgot-password", "GET", "/forgot-password", everyone(200)),
    # Empty form: "enter your e-mail" and 400, nothing written, for everyone.
    Row("/forgot-password", "POST", "/forgot-password", everyone(400)),
]
