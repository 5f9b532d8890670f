"""The /api/v1 blueprint: bearer tokens only, JSON in and out."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
