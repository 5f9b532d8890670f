"""Template helpers: times are stored in UTC and shown in the patient's (or clinic's) zone."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import format_date, format_datetime, format_time, get_locale

from . import models
from .urls import external_url


def to_local(value: datetime | None, tz_name: str | None = None) -> datetime | None:
    """Convert an aware UTC datetime to `tz_name`, defaulting to the clinic's zone."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(tz_name or current_app.config["CLINIC_TIMEZONE"]))


def local_datetime(value: datetime | None, tz_name: str | None = None) -> str:
    """A UTC time as a readable local date and time with its zone abbreviation."""
    local = to_local(value, tz_name)
    if local is None:
        return ""
    return f"{format_datetime(local.replace(tzinfo=None), 'medium')} {local.tzname()}"


def local_time(value: datetime | None, tz_name: str | None = None) -> str:
    """A UTC time as the local clock time with its zone abbreviation ("9:30 AM CST")."""
    local = to_local(value, tz_name)
    if local is None:
        return ""
    return f"{format_time(local.replace(tzinfo=None), 'short')} {local.tzname()}"


def register(app) -> None:
    """Expose the helpers as Jinja filters and globals."""
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["local_date"] = lambda d: format_date(d, "medium") if d else ""
    app.jinja_env.filters["long_date"] = lambda d: format_date(d, "full") if d else ""  # a day's heading
    app.jinja_env.filters["local_time"] = local_time
    # "16 Dec": the clinic-time day of a UTC time, for a window of dates (the follow-up worklist)
    app.jinja_env.filters["local_day"] = lambda v, tz=None: (
        format_date(to_local(v, tz).date(), "d MMM") if v else ""
    )
    app.jinja_env.filters["datetime_local_input"] = lambda v, tz=None: (
        to_local(v, tz).strftime("%Y-%m-%dT%H:%M") if v else ""
    )
    app.jinja_env.globals["get_locale"] = get_locale  # <html lang>: screen readers pick the voice
    app.jinja_env.globals["external_url"] = external_url  # absolute links: on BASE_URL (recovery/urls.py)
    # The longest value of each text field (maxlength="{{ limits.NOTE_MAX }}"): the models' constants.
    app.jinja_env.globals["limits"] = {name: getattr(models, name) for name in models.__all__
                                       if name.endswith("_MAX")}

    @app.context_processor
    def clinic():
        return {
            "clinic_name": app.config["CLINIC_NAME"],
            "clinic_phone_day": app.config["CLINIC_PHONE_DAY"],
            "clinic_phone_after_hours": app.config["CLINIC_PHONE_AFTER_HOURS"],
        }
