"""Configuration defaults, read from the environment; instance/config.py overrides them."""

import os

import click


class ConfigError(click.ClickException, RuntimeError):
    """Raised at start-up when the configuration cannot work; the message says what to fix.

    A ClickException, so `flask` commands print it as one line ("Error: ...") and exit 1
    instead of a traceback; gunicorn (recovery/wsgi.py) does the same.
    """


def from_environment(instance_path: str) -> dict:
    """Return the settings that come from environment variables, with safe defaults."""
    sqlite_path = os.path.join(instance_path, "recovery.sqlite")
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL") or f"sqlite:///{sqlite_path}",
        "CLINIC_TIMEZONE": os.environ.get("CLINIC_TIMEZONE", "America/Chicago"),
        "CLINIC_NAME": os.environ.get("CLINIC_NAME", "Spine Recovery Clinic"),
        "CLINIC_PHONE_DAY": os.environ.get("CLINIC_PHONE_DAY", "(219) 555-0100"),
        "CLINIC_PHONE_AFTER_HOURS": os.environ.get("CLINIC_PHONE_AFTER_HOURS", "(219) 555-0199"),
        # How long a visit lasts in the patient's "add to my calendar" file (the model has no duration).
        "VISIT_MINUTES": int(os.environ.get("VISIT_MINUTES", "30")),
        "INVITE_VALID_HOURS": int(os.environ.get("INVITE_VALID_HOURS", "72")),
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "127.0.0.1"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "8025")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_USE_STARTTLS": os.environ.get("MAIL_USE_STARTTLS", "false").lower() == "true",
        "MAIL_SENDER": os.environ.get("MAIL_SENDER", "Recovery <recovery@clinic.example>"),
        "MAIL_TIMEOUT": float(os.environ.get("MAIL_TIMEOUT", "20")),
        "FOLLOW_UP_REMINDER_HOURS_BEFORE": int(os.environ.get("FOLLOW_UP_REMINDER_HOURS_BEFORE", "48")),
        # How long a scheduler holds the reminders it claimed before another may take them over
        # (renewed while it keeps sending); checked at start-up (check_lease).
        "REMINDER_LEASE_SECONDS": os.environ.get("REMINDER_LEASE_SECONDS", "300"),
        # /healthz answers 503 when no scheduler has written a heartbeat for 5 minutes.
        "SCHEDULER_REQUIRED": os.environ.get("SCHEDULER_REQUIRED", "true").lower() == "true",
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "LANGUAGES": ["en", "es"],
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        # Connection pool per process (PostgreSQL): see "Production layout" in the README.
        "DB_POOL_SIZE": os.environ.get("DB_POOL_SIZE", "5"),
        "DB_MAX_OVERFLOW": os.environ.get("DB_MAX_OVERFLOW", "5"),
        "DB_POOL_RECYCLE": os.environ.get("DB_POOL_RECYCLE", "1800"),
        "DB_POOL_TIMEOUT": os.environ.get("DB_POOL_TIMEOUT", "10"),
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Security (issue 7). HTTPS: unset means "if BASE_URL is https"; it turns on Secure cookies,
        # the redirect to HTTPS and HSTS. TRUSTED_PROXIES: how many proxies set X-Forwarded-*.
        "HTTPS": _flag(os.environ.get("HTTPS")),
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "SESSION_IDLE_MINUTES_PATIENT": int(os.environ.get("SESSION_IDLE_MINUTES_PATIENT", "60")),
        "SESSION_IDLE_MINUTES_STAFF": int(os.environ.get("SESSION_IDLE_MINUTES_STAFF", "15")),
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "true").lower() == "true",
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        # Per account, across addresses (services.accounts.authenticate): from this many wrong
        # passwords in a row on, sign-ins from unknown devices wait 1, 2, 4 ... seconds, at most
        # LOGIN_BACKOFF_MAX_SECONDS, and at most LOGIN_ACCOUNT_FAILURES_PER_HOUR are checked an
        # hour; a device that signed in to the account before is never made to wait.
        "LOGIN_BACKOFF_AFTER": int(os.environ.get("LOGIN_BACKOFF_AFTER", "5")),
        "LOGIN_BACKOFF_MAX_SECONDS": int(os.environ.get("LOGIN_BACKOFF_MAX_SECONDS", "300")),
        "LOGIN_ACCOUNT_FAILURES_PER_HOUR": int(os.environ.get("LOGIN_ACCOUNT_FAILURES_PER_HOUR", "30")),
        "PASSWORD_RESET_VALID_MINUTES": int(os.environ.get("PASSWORD_RESET_VALID_MINUTES", "60")),
        # Request size limits (Flask's own settings): a larger body answers 413 before it is read.
        # No route takes an upload, so one limit serves forms and the JSON API alike (64 KiB is
        # about 20 times the largest form a person can fill in). A future upload route can raise
        # it for itself alone with `request.max_content_length = ...` before reading the body.
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", str(64 * 1024))),
        "MAX_FORM_MEMORY_SIZE": int(os.environ.get("MAX_FORM_MEMORY_SIZE", str(64 * 1024))),
        "MAX_FORM_PARTS": int(os.environ.get("MAX_FORM_PARTS", "200")),
    }


def _flag(value: str | None) -> bool | None:
    """"true"/"false" from the environment; None when unset."""
    return None if value is None else value.lower() in ("1", "true", "yes")


def check(config) -> None:
    """Refuse to start with a configuration that would be unsafe or cannot work."""
    if not config.get("SECRET_KEY"):
        raise ConfigError(
            "SECRET_KEY is not set: put SECRET_KEY = '...' in instance/config.py "
            "or export SECRET_KEY (make run creates one for you)."
        )
    check_database_url(config["SQLALCHEMY_DATABASE_URI"])
    config["REMINDER_LEASE_SECONDS"] = check_lease(config.get("REMINDER_LEASE_SECONDS", 300))
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(config["CLINIC_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"CLINIC_TIMEZONE {config['CLINIC_TIMEZONE']!r} is not an IANA time zone "
            "(for example America/Chicago)."
        ) from None


def check_lease(value) -> int:
    """REMINDER_LEASE_SECONDS as a whole number of seconds above zero, or a clear refusal."""
    try:
        seconds = int(str(value).strip())
    except ValueError:
        seconds = 0
    if isinstance(value, bool) or seconds <= 0:
        raise ConfigError(
            f"REMINDER_LEASE_SECONDS must be a whole number of seconds above 0 (default 300), not {value!r}."
        )
    return seconds


def check_database_url(url: str) -> None:
    """Refuse a DATABASE_URL that is not a URL of a database we can drive."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    example = "(for example postgresql+psycopg://user:password@host/recovery or sqlite:///path)"
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ConfigError(f"DATABASE_URL is not a database URL {example}.") from None
    try:
        parsed.get_dialect()
    except NoSuchModuleError:
        raise ConfigError(
            f"DATABASE_URL names an unknown database driver {parsed.drivername!r} {example}."
        ) from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ConfigError(f"DATABASE_URL must be SQLite or PostgreSQL, not {backend} {example}.")


def pool_options(config) -> dict:
    """SQLAlchemy pool settings for a server database (SQLite needs none): size, overflow,
    recycle, time-out and a ping before use, so a restarted PostgreSQL costs no failed request."""
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return {}
    options = {"pool_pre_ping": True}
    for key, setting in (("pool_size", "DB_POOL_SIZE"), ("max_overflow", "DB_MAX_OVERFLOW"),
                         ("pool_recycle", "DB_POOL_RECYCLE"), ("pool_timeout", "DB_POOL_TIMEOUT")):
        try:
            options[key] = int(config[setting])
        except (TypeError, ValueError):
            raise ConfigError(f"{setting} must be a whole number, not {config[setting]!r}.") from None
    return options
