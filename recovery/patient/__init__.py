"""The patient blueprint."""

from flask import Blueprint

from ..access import restrict_blueprint

bp = Blueprint("patient", __name__, url_prefix="/patient")
restrict_blueprint(bp, "patient")

from . import views  # noqa: E402, F401  (its routes are added to bp)
