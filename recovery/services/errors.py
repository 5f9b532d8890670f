"""The error every service raises on bad input."""


class ValidationError(ValueError):
    """Bad input: `errors` maps each field to a message a person can act on."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class NotFound(LookupError):
    """The record does not exist or the caller may not see it (the two look the same)."""
