"""Who may open what: role checks shared by every blueprint."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def role_required(*roles: str):
    """Let in logged-in, active users with one of `roles`; others get 403 (anonymous: login)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def restrict_blueprint(bp, *roles: str) -> None:
    """Apply `role_required(*roles)` to every view of a blueprint, so none is forgotten."""

    @bp.before_request
    @role_required(*roles)
    def _check():
        return None
