"""Refuse NUL characters in any submitted value: PostgreSQL cannot store them in text columns,
so without this a form on PostgreSQL would fail with a 500 where SQLite would accept it."""

from flask import Flask, request
from flask_babel import gettext as _


def _has_nul(values) -> bool:
    return any("\x00" in value for value in values)


def init_app(app: Flask) -> None:
    """A request with a NUL in its path, query or form answers 400 with a message, before any view."""

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
