"""Logging in and out, setting a password from a link, and the health check."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import views  # noqa: E402, F401  (its routes are added to bp)
