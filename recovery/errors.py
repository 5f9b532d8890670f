"""Error pages: a plain message for people, JSON for /api and /healthz, never a traceback."""

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

MESSAGES = {
    400: _l("The request could not be understood."),
    403: _l("You do not have access to this page."),
    404: _l("Page not found."),
    405: _l("That action is not allowed here."),
    429: _l("Too many requests. Please wait a moment and try again."),
    500: _l("Something went wrong on our side. Nothing you entered was saved; please try again."),
}


def _render(code: int, message: str):
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify(code=code, message=message), code
    return render_template("error.html", code=code, message=message), code


def register(app) -> None:
    """Attach handlers for the common HTTP errors and for a missing CSRF token."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(400, _("This form has expired. Please go back, reload the page and try again."))

    for code in MESSAGES:

        def handler(error, code=code):
            if request.path.startswith("/api/"):  # the API's own JSON errors, with stable codes
                from .api.errors import from_http_exception

                return from_http_exception(error)
            return _render(code, str(MESSAGES[code]))

        app.register_error_handler(code, handler)
