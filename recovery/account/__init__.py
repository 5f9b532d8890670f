"""Pages every signed-in user has for their own account (personal API tokens)."""

from flask import Blueprint

from ..access import restrict_blueprint
from ..models import ROLES

bp = Blueprint("account", __name__, url_prefix="/account")
restrict_blueprint(bp, *ROLES)

from . import views  # noqa: E402, F401  (its routes are added to bp)
