"""A check-in the database could not save (full, read-only or down): the urgent guidance anyway.

A failed save must never hide the emergency advice. Any database error while a check-in is
being sent (loading the signed-in user, the link, the API token, the save, the commit) is
answered 503 by the page of the route that took it (registered with `page`), worked out from
the submitted answers alone: no database access, the clinic's phones from the config. The
failure is logged at error level with the request id, so operators notice.
"""

from flask import current_app, g, request
from flask_babel import get_locale
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db, login_manager
from .security.request_ids import current_id

_PAGES = {}  # endpoint -> view(answers) answering a check-in that was not saved


def page(endpoint: str):
    """Register `view(answers)` as the not-saved answer of the check-in route `endpoint`."""

    def decorator(view):
        _PAGES[endpoint] = view
        return view

    return decorator


def submitted() -> dict:
    """The answers the request sent (form or JSON body), without any database access."""
    if request.is_json:
        data = request.get_json(silent=True)
        return data if isinstance(data, dict) else {}
    return request.form


def register(app) -> None:
    @app.errorhandler(SQLAlchemyError)
    def database_failed(error):
        view = _PAGES.get(request.endpoint)
        if view is None or request.method not in ("POST", "PUT"):
            raise error  # not a check-in: the usual 500 (logged by Flask)
        app.logger.error(
            "check-in NOT saved (request %s, %s %s): the database failed: %s", current_id(),
            request.method, request.path, str(error).splitlines()[0], exc_info=error,
        )
        _settle_locale()
        try:
            db.session.rollback()
        except Exception:  # the database is down: nothing to undo  # noqa: BLE001
            current_app.logger.debug("rollback after a failed check-in failed too")
        return view(submitted())


def _settle_locale() -> None:
    """Pick the page's language now, while the user already loaded is still readable; a user
    who could not be loaded at all (the database is down) is treated as signed out."""
    if "_login_user" not in g:
        g._login_user = login_manager.anonymous_user()
    try:
        get_locale()
    except SQLAlchemyError:
        g._login_user = login_manager.anonymous_user()
        g.pop("reader", None)
        get_locale()
