"""Language choice: the patient's profile first, then the browser's language."""

from flask import current_app, has_request_context, request
from flask_login import current_user


def select_locale() -> str:
    """Pick the locale for this request."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and scheduler: the caller picks the language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    patient = getattr(current_user, "patient", None) if current_user else None
    if patient is not None and patient.preferred_language in languages:
        return patient.preferred_language
    return request.accept_languages.best_match(languages) or languages[0]
