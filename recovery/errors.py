"""Error pages: a plain message for people, JSON for /api (the API's format), never a traceback.

Every error is logged with the request id that the response carries in X-Request-ID; the 500
page shows it, so a person can quote it and staff can find the log line.
"""

from flask import current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from .security.request_ids import current_id

MESSAGES = {
    400: _l("The request could not be understood."),
    403: _l("You do not have access to this page."),
    404: _l("Page not found."),
    405: _l("That action is not allowed here."),
    413: _l("What you sent is too large to accept. Nothing was saved; please shorten it and try again."),
    429: _l("Too many requests. Please wait a moment and try again."),
    500: _l("Something went wrong on our side. Nothing you entered was saved; please try again."),
}


def wants_json() -> bool:
    """API clients get JSON errors; browsers get a page."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(code: int, message: str, headers=None):
    """The error page (or JSON under /api/) for `code` with a message a person can act on."""
    request_id = current_id()
    if request.path.startswith("/api/"):  # the API's own JSON errors, with stable codes
        from .api.errors import error_response as api_error

        return api_error(code, message)
    if wants_json():
        response = jsonify(code=code, message=message, request_id=request_id)
    else:
        try:
            body = render_template("error.html", code=code, message=message, request_id=request_id)
        except Exception:  # the page itself failed (e.g. the database is down): plain text, still no trace
            current_app.logger.exception("error page %s could not be rendered", code)
            body = f"{message}\nReference: {request_id}\n"
        response = current_app.response_class(body, mimetype="text/html")
    response.status_code = code
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def register(app) -> None:
    """Attach handlers for the common HTTP errors, a missing CSRF token and unexpected failures."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        app.logger.info("400 CSRF refused on %s %s", request.method, request.path)
        return error_response(400, _("This form has expired. Please go back, reload the page and try again."))

    def http_error(error: HTTPException):
        app.logger.info("%s on %s %s", error.code, request.method, request.path)
        if request.path.startswith("/api/"):
            from .api.errors import from_http_exception

            return from_http_exception(error)
        headers = {}
        if error.code == 405 and getattr(error, "valid_methods", None):
            headers["Allow"] = ", ".join(error.valid_methods)
        return error_response(error.code, str(MESSAGES[error.code]), headers)

    for code in MESSAGES:
        if code != 500:
            app.register_error_handler(code, http_error)

    @app.errorhandler(InternalServerError)
    def server_error(error):
        # Flask has already logged the traceback (with this request id); the page shows only the id.
        if request.path.startswith("/api/"):
            from .api.errors import from_http_exception

            return from_http_exception(error)
        return error_response(500, str(MESSAGES[500]))
