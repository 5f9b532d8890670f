"""Matrix rows for the security routes: the password-reset request page is public."""

from . import Row, everyone

ROWS = [
    Row("/forgot-password", "GET", "/forgot-password", everyone(200)),
    # Empty form: "enter your e-mail" and 400, nothing written, for everyone.
    Row("/forgot-password", "POST", "/forgot-password", everyone(400)),
    # The short-code page is public; an empty form (no CSRF token) is refused with 400 for everyone.
    Row("/start", "GET", "/start", everyone(200)),
    Row("/start", "POST", "/start", everyone(400)),
]
