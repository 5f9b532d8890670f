"""Pages opened from reminder e-mails without signing in: one-time check-in, e-mail preferences."""

from flask import Blueprint

bp = Blueprint("links", __name__)

from . import views  # noqa: E402, F401  (its routes are added to bp)
