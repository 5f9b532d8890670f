"""The clinic blueprint: clinicians only, with the clinical vocabulary on every page."""

from flask import Blueprint

from ..access import restrict_blueprint
from .labels import labels

bp = Blueprint("clinic", __name__, url_prefix="/clinic")
restrict_blueprint(bp, "clinician")
bp.context_processor(labels)


from . import views  # noqa: E402, F401  (its routes, and its other modules', are added to bp)
