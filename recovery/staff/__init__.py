"""The staff blueprint: who may use it, and what every staff page shows."""

from flask import Blueprint

from ..access import restrict_blueprint
from ..models import utcnow
from ..reminders.dispatch import scheduler_alive

bp = Blueprint("staff", __name__, url_prefix="/staff")
restrict_blueprint(bp, "staff")


def scheduler_stale() -> bool:
    """True when no scheduler has written a heartbeat for 5 minutes: reminders are not going out.

    This reads the heartbeat alone, not SCHEDULER_REQUIRED: that flag decides whether /healthz
    fails, but staff must hear that reminders are stuck whatever the deployment says.
    """
    return not scheduler_alive(utcnow())


@bp.context_processor
def staff_layout() -> dict:
    # A function, not a value: only the staff layout asks, so error pages cost no query.
    return {"scheduler_stale": scheduler_stale}


from . import views  # noqa: E402, F401  (its routes, and its other modules', are added to bp)
