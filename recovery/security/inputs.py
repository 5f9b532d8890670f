"""Checks on what a request carries, before any view runs.

- Ids in URLs that no row can have are a 404: the `int` converter is bounded to the database's integer.
- Size: a body larger than MAX_CONTENT_LENGTH (64 KiB unless configured) answers 413 before a
  byte of it is read when its Content-Length says so. A body without one (chunked, from a server
  that dechunks it) is read here up to one byte past the limit: over it, 413; within it, the
  body is handed on as read. (Werkzeug alone would stop at the limit and parse the truncated
  body as if it were whole.) Multipart forms are further held to MAX_FORM_MEMORY_SIZE per field
  and MAX_FORM_PARTS fields.
- NUL characters in any submitted value are refused: PostgreSQL cannot store them in text
  columns, so without this a form on PostgreSQL would fail with a 500 where SQLite would accept it.
"""

import io

from flask import Flask, abort, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter, ValidationError

from ..models.types import MAX_ID


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: 0 to MAX_ID only, so 2**31, 2**63 or a 400-digit number is a 404
    before the view runs, instead of a query that PostgreSQL (or SQLite's driver) fails with a 500."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, signed=signed,
                         max=MAX_ID if max is None or max > MAX_ID else max)

    def to_python(self, value: str):
        if len(value) > len(str(MAX_ID)):  # int() of a 5000-digit string is refused, or slow
            raise ValidationError()
        return super().to_python(value)


def register_converters(app: Flask) -> None:
    """Before any blueprint adds its routes: the converters are bound when a rule is added."""
    app.url_map.converters["int"] = IdConverter


def _has_nul(values) -> bool:
    return any("\x00" in value for value in values)


def _refuse_large_bodies():
    """413 at once for a declared Content-Length over the limit: nothing reads the body first,
    not the CSRF check, the rate limiter or the session (this runs before all of them)."""
    limit = request.max_content_length
    if limit is None:
        return
    if request.content_length is not None:
        if request.content_length > limit:
            abort(413)
        return
    environ = request.environ
    if "wsgi.input_terminated" not in environ:  # no length, no end: Werkzeug reads none of it
        return
    body, stream = bytearray(), environ["wsgi.input"]
    while len(body) <= limit:
        chunk = stream.read(min(limit + 1 - len(body), 64 * 1024))
        if not chunk:
            break
        body += chunk
    if len(body) > limit:
        abort(413)
    environ["wsgi.input"] = io.BytesIO(bytes(body))


def init_app(app: Flask) -> None:
    """A too-large body answers 413, and a request with a NUL in its path, query or form answers
    400 with a message, before any view."""
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_large_bodies)

    @app.before_request
    def _refuse_nul_characters():
        # Web forms only: the API reads its JSON body itself, so its stream is left untouched here.
        is_web_form = request.method == "POST" and not request.path.startswith("/api/") and (
            request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"))
        if "\x00" in request.path or _has_nul(request.args.values()) or (
            is_web_form and _has_nul(request.form.values())
        ):
            from ..errors import error_response

            return error_response(400, _("What you entered contains a character that is not allowed "
                                         "(NUL). Please remove it and try again."))
        return None
