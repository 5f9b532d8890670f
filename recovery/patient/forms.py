"""The patient's settings form: its choices (the service, preferences, does the validation)."""

from .. import vocabulary


def settings_choices(current_timezone: str | None) -> dict:
    """The options the settings form offers; a zone outside the short list is shown by its name."""
    return {
        "timezone_options": vocabulary.timezone_options(current_timezone),
        "language_options": list(vocabulary.LANGUAGES.items()),
    }
