"""JSON errors of the API: a stable `code` for programs, a `message` for people."""

from flask import jsonify
from werkzeug.exceptions import HTTPException

# One code per status: programs branch on these, so they never change meaning.
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "content_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}
# Finer codes for some 400s: a program may branch on them too.
MALFORMED_JSON = "malformed_json"
NOT_SAVED_CODE = "checkin_not_saved"  # a check-in the database could not save (recovery/unsaved.py)
ALL_CODES = (*CODES.values(), MALFORMED_JSON, NOT_SAVED_CODE)
MESSAGES = {
    400: "The request could not be understood.",
    401: "A valid API token is required: send it as 'Authorization: Bearer <token>'.",
    403: "Your account may not use this operation.",
    404: "Not found.",
    405: "This method is not allowed here.",
    409: "The request conflicts with the record's current state.",
    413: "The body is larger than this server accepts (64 KiB unless configured); nothing was saved.",
    415: "Send the body as JSON with 'Content-Type: application/json'.",
    422: "Some fields are not valid; nothing was saved.",
    429: "Too many requests. Please wait a moment and try again.",
    500: "Something went wrong on our side; nothing was saved.",
    503: "The database cannot save right now; nothing was saved.",
}


class ApiError(Exception):
    """An error to answer with: status, optional message and per-field errors."""

    def __init__(self, status: int, message: str | None = None, errors: dict | None = None,
                 code: str | None = None, data: dict | None = None):
        super().__init__(message or MESSAGES[status])
        self.data = data  # the decoded JSON object a schema refused, for an operation's rescue
        self.status = status
        self.message = message or MESSAGES[status]
        self.errors = errors
        self.code = code or CODES[status]


def error_response(status: int, message: str | None = None, errors: dict | None = None,
                   code: str | None = None):
    """The JSON body and status for an error, with the headers its status calls for."""
    body = {"code": code or CODES.get(status, "error"), "message": message or MESSAGES.get(status, "")}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def from_http_exception(error) -> "tuple | object":
    """An app-level HTTP error (routing 404/405, rate limit, crash) on an API path, as JSON."""
    status = error.code if isinstance(error, HTTPException) and error.code in CODES else 500
    response = error_response(status)
    valid = getattr(error, "valid_methods", None)
    if status == 405 and valid:
        response.headers["Allow"] = ", ".join(sorted(valid))
    if isinstance(error, HTTPException) and status == 429:
        retry = error.get_response().headers.get("Retry-After")
        if retry:
            response.headers["Retry-After"] = retry
    return response
