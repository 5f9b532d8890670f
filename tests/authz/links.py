"""Matrix rows for links opened from e-mails: the token, not the session, decides."""

from . import Row, everyone

ROWS = [
    Row("/c/<token>", "GET", "/c/not-a-token", everyone(404)),
    Row("/c/<token>", "POST", "/c/not-a-token", everyone(404)),
    Row("/unsubscribe/<token>", "GET", "/unsubscribe/not-a-token", everyone(404)),
    Row("/unsubscribe/<token>", "POST", "/unsubscribe/not-a-token", everyone(404)),
]
