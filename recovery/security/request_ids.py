"""A request id on every request: sent back as X-Request-ID, written in logs, shown on error pages."""

import logging
import re
import uuid

from flask import Flask, g, has_request_context, request
from flask.logging import default_handler

# A proxy's id is kept if it looks like one; anything else could forge log lines.
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def current_id() -> str:
    """This request's id, or "-" outside a request."""
    if not has_request_context():
        return "-"
    if "request_id" not in g:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _SAFE_ID.fullmatch(incoming) else uuid.uuid4().hex
    return g.request_id


class RequestIdFilter(logging.Filter):
    """Add `request_id` to every log record so the formatter can print it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_id()
        return True


def init_app(app: Flask) -> None:
    """Give each request an id, return it in X-Request-ID and put it in the app's log lines."""
    app.logger.addFilter(RequestIdFilter())
    default_handler.setFormatter(
        logging.Formatter("[%(asctime)s] %(levelname)s request=%(request_id)s in %(module)s: %(message)s")
    )
    default_handler.addFilter(RequestIdFilter())

    @app.after_request
    def _send_request_id(response):
        response.headers["X-Request-ID"] = current_id()
        return response
