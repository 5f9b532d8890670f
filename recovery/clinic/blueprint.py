"""The clinic blueprint itself: clinicians only, with the clinical vocabulary on every page."""

from flask import Blueprint

from ..access import restrict_blueprint
from .labels import labels

bp = Blueprint("clinic", __name__, url_prefix="/clinic")
restrict_blueprint(bp, "clinician")
bp.context_processor(labels)
