"""Sessions that end after inactivity (sooner for clinicians and staff) and start afresh at login.

Each signed-in session is also a row of user_sessions (services.user_sessions), which is what
lets logout, "sign out everywhere", a new password and deactivation end it at once.
"""

import time

from flask import Flask, flash, g, has_request_context, session
from flask_babel import gettext as _
from flask_login import current_user, logout_user

_LAST_SEEN = "last_seen"
WARN_BEFORE_SECONDS = 120  # the "stay signed in" notice comes about 2 minutes before the sign-out


def idle_limit_seconds(config, role: str) -> int:
    """How long a `role` may stay idle before signing in again (minutes in config, whole or not)."""
    key = "SESSION_IDLE_MINUTES_PATIENT" if role == "patient" else "SESSION_IDLE_MINUTES_STAFF"
    return round(float(config[key]) * 60)


def idle_notice(config, role: str) -> dict | None:
    """When the page's "stay signed in" notice shows: seconds after the page loaded (the session's
    last request) and the sign-out itself. Clinicians' and staff pages only: patient pages load no
    script, and their hour-long limit rarely ends a visit."""
    if role == "patient":
        return None
    limit = idle_limit_seconds(config, role)
    return {"idle_seconds": limit, "warn_seconds": min(WARN_BEFORE_SECONDS, limit // 2)}


def start_fresh() -> None:
    """Drop everything the session held before login, so nothing set beforehand survives it."""
    session.clear()
    session[_LAST_SEEN] = int(time.time())


def init_app(app: Flask) -> None:
    """Sign out a user idle for too long; otherwise note that they were seen now."""

    @app.before_request
    def _expire_idle_session():
        from flask import request

        # The API authenticates by bearer token and must never be handed a session cookie.
        if request.endpoint == "static" or request.path.startswith("/api/"):
            return None
        if not current_user.is_authenticated:
            return None
        now = int(time.time())
        # Login always sets it; a session without it (signed before this check existed) starts now.
        last_seen = session.get(_LAST_SEEN, now)
        if now - int(last_seen) > idle_limit_seconds(app.config, current_user.role):
            _end_server_side(current_user.session_key)
            logout_user()
            session.clear()
            flash(_("You were signed out after a period of inactivity. Please sign in again."))
            return None  # the page's own login check now sends them to the sign-in page
        session[_LAST_SEEN] = now
        return None

    @app.context_processor
    def _idle_notice():
        # E-mails render templates too, outside any request and without a user.
        if not has_request_context() or not getattr(current_user, "is_authenticated", False):
            return {"idle_notice": None}
        return {"idle_notice": idle_notice(app.config, current_user.role)}

    @app.after_request
    def _note_session_seen(response):
        """Write the session's last-seen time (at most once a minute, see user_sessions.load) in a
        transaction of its own, after the view's work is committed or dropped."""
        session_id = g.pop("touch_session", None)
        if session_id is not None and not response.is_streamed:  # a stream may still read the session
            from ..extensions import db
            from ..models import utcnow
            from ..services import user_sessions

            db.session.rollback()
            try:
                user_sessions.touch(session_id, utcnow())
                db.session.commit()
            except Exception:  # a busy database must not fail the page over a last-seen time
                db.session.rollback()
                app.logger.warning("could not note session %s as seen", session_id, exc_info=True)
        return response


def _end_server_side(key: str | None) -> None:
    from ..extensions import db
    from ..models import utcnow
    from ..services import user_sessions

    user_sessions.end(key, utcnow())
    db.session.commit()
