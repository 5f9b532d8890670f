"""Password policy: at least 10 characters and not one of the commonest passwords."""

from functools import cache
from importlib import resources

from flask_babel import lazy_gettext as _l

from .errors import ValidationError

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list (recovery/data/common-passwords.txt), lower-cased; read once."""
    text = resources.files("recovery").joinpath("data/common-passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def check_password_policy(password: str | None, field: str = "password") -> str:
    """Return the password if it is acceptable, or raise a ValidationError for `field`."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError({field: str(_l("Use at least %(n)s characters.", n=MIN_PASSWORD_LENGTH))})
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError({field: str(_l("Use at most 200 characters."))})
    if password.strip().lower() in common_passwords():
        raise ValidationError(
            {field: str(_l("This password is one of the most common ones, so it is easy to guess. "
                           "Choose another."))}
        )
    return password
