"""Language choice: the patient's profile first, then the browser's language.

Staff and clinician pages are written for the clinic's English-speaking team and are not
translated, so signed-in staff always get English (never a half-Spanish page). Spanish lives in
recovery/translations/es (the .po is the source, the compiled .mo is committed so a clean clone
serves Spanish without a build step; `make translations` refreshes both).
"""

from flask import current_app, g, has_request_context, request
from flask_login import current_user


def select_locale() -> str:
    """Pick the locale for this request."""
    languages = current_app.config["LANGUAGES"]
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():  # CLI and scheduler: the caller picks the language
        return default
    if current_user and current_user.is_authenticated and current_user.role != "patient":
        return default
    patient = g.get("reader") or (getattr(current_user, "patient", None) if current_user else None)
    if patient is not None and patient.preferred_language in languages:
        return patient.preferred_language
    return request.accept_languages.best_match(languages) or languages[0]


def speak_to(patient) -> None:
    """Answer this request in `patient`'s language: pages reached by a link that names them
    (set-password, e-mailed check-in, unsubscribe) before anyone has signed in.

    Call it before the first translated string of the request: Flask-Babel keeps the locale it chose.
    """
    g.reader = patient
