"""The patient's in-app inbox: a sent row is the message (services/inbox.py lists them)."""

from datetime import datetime

from flask_babel import lazy_gettext as _l

name = "in_app"
label = _l("In the app")
patient_facing = True
local = True


def reachable(contact) -> bool:
    """Every patient has the app."""
    return True


def prepare(batch: list, now: datetime) -> list:
    return [None] * len(batch)


def hand_over(run, item) -> None:
    """Nothing beyond the row marked sent: the inbox reads it."""
