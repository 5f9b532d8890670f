"""Configuration defaults, read from the environment; instance/config.py overrides them."""

import os
import re

import click


class ConfigError(click.ClickException, RuntimeError):
    """Raised at start-up when the configuration cannot work; the message says what to fix.

    A ClickException, so `flask` commands print it as one line ("Error: ...") and exit 1
    instead of a traceback; gunicorn (recovery/wsgi.py) does the same.
    """

    def show(self, file=None) -> None:
        """One line on stderr, the same from every `flask` command as from gunicorn."""
        click.echo(f"Recovery cannot start: {self.format_message()}", err=True, file=file)


# The JSON API's rate limits and their defaults (see from_environment and check).
API_RATE_LIMITS = {"API_RATE_LIMIT": "300 per minute", "API_RATE_LIMIT_PER_ADDRESS": "600 per minute"}


def from_environment(instance_path: str) -> dict:
    """Return the settings that come from environment variables, with safe defaults."""
    sqlite_path = os.path.join(instance_path, "recovery.sqlite")
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL") or f"sqlite:///{sqlite_path}",
        "CLINIC_TIMEZONE": os.environ.get("CLINIC_TIMEZONE", "America/Chicago"),
        "CLINIC_NAME": os.environ.get("CLINIC_NAME", "Spine Recovery Clinic"),
        # Shown in the urgent notice on Today ("the clinic reads it during opening hours (...)").
        # Also the opening hours bookings are checked against, until init-db copies them (and
        # CLINIC_CLOSED) into the tables staff edit (services/clinic_calendar.py).
        "CLINIC_HOURS": os.environ.get("CLINIC_HOURS", "Mon-Fri 08:00-17:00"),
        "CLINIC_CLOSED": os.environ.get("CLINIC_CLOSED", "2026-12-25,2027-01-01"),
        "CLINIC_PHONE_DAY": os.environ.get("CLINIC_PHONE_DAY", "(219) 555-0100"),
        "CLINIC_PHONE_AFTER_HOURS": os.environ.get("CLINIC_PHONE_AFTER_HOURS", "(219) 555-0199"),
        # How long a visit lasts: in the patient's "add to my calendar" file and when bookings are
        # checked for overlaps (the model has no duration).
        "VISIT_MINUTES": os.environ.get("VISIT_MINUTES", "30"),
        "INVITE_VALID_HOURS": int(os.environ.get("INVITE_VALID_HOURS", "72")),
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "127.0.0.1"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "8025")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_USE_STARTTLS": os.environ.get("MAIL_USE_STARTTLS", "false").lower() == "true",
        "MAIL_SENDER": os.environ.get("MAIL_SENDER", "Recovery <recovery@clinic.example>"),
        "MAIL_TIMEOUT": float(os.environ.get("MAIL_TIMEOUT", "20")),
        # Texts through Twilio's Programmable Messaging API (reminders/channels/sms.py): no text is
        # planned unless the account, its token and a sender (a number, or a messaging service)
        # are set. TWILIO_API_BASE points the channel at `flask sms-sink` in development.
        "TWILIO_ACCOUNT_SID": os.environ.get("TWILIO_ACCOUNT_SID"),
        "TWILIO_AUTH_TOKEN": os.environ.get("TWILIO_AUTH_TOKEN"),
        "TWILIO_FROM": os.environ.get("TWILIO_FROM"),
        "TWILIO_MESSAGING_SERVICE_SID": os.environ.get("TWILIO_MESSAGING_SERVICE_SID"),
        "TWILIO_API_BASE": os.environ.get("TWILIO_API_BASE", "https://api.twilio.com"),
        "SMS_TIMEOUT": float(os.environ.get("SMS_TIMEOUT", "10")),
        # Who texts say they are from (CLINIC_NAME when unset): two segments hold 134 characters
        # once any letter is outside GSM-7 (an accent), the link included.
        "SMS_CLINIC_NAME": os.environ.get("SMS_CLINIC_NAME"),
        # The region a mobile number typed without a country code is read in (ISO 3166 code).
        "CLINIC_COUNTRY": os.environ.get("CLINIC_COUNTRY", "US"),
        # Twilio's webhooks (inbound texts, status callbacks), per client address.
        "SMS_WEBHOOK_RATE_LIMIT": os.environ.get("SMS_WEBHOOK_RATE_LIMIT", "1200 per minute"),
        # Weeks after the procedure the clinic aims to see each patient for a follow-up (worklist).
        "FOLLOW_UP_WINDOW_WEEKS": os.environ.get("FOLLOW_UP_WINDOW_WEEKS", "2-6"),
        # Outcome questionnaires (services/timepoints.py): which instruments each time point asks
        # (unset: RMDQ at baseline, RMDQ and the global impression at every point after), and the
        # day-based windows ("month1=30-7+7": day 30, from 7 days before to 7 after). Checked at
        # start-up against the instruments defined (check_outcome_schedule).
        "OUTCOME_INSTRUMENTS": os.environ.get("OUTCOME_INSTRUMENTS"),
        "OUTCOME_WINDOWS": os.environ.get("OUTCOME_WINDOWS", ""),
        "FOLLOW_UP_REMINDER_HOURS_BEFORE": int(os.environ.get("FOLLOW_UP_REMINDER_HOURS_BEFORE", "48")),
        # How long a scheduler holds the reminders it claimed before another may take them over
        # (renewed while it keeps sending); checked at start-up (check_lease).
        "REMINDER_LEASE_SECONDS": os.environ.get("REMINDER_LEASE_SECONDS", "300"),
        # /healthz answers 503 when no scheduler has written a heartbeat for 5 minutes.
        "SCHEDULER_REQUIRED": os.environ.get("SCHEDULER_REQUIRED", "true").lower() == "true",
        # /healthz answers 503 "cannot write" when the SQLite file's disk has less free than this.
        "HEALTHZ_MIN_FREE_MB": os.environ.get("HEALTHZ_MIN_FREE_MB", "50"),
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
        # the redirect to HTTPS and HSTS. TRUSTED_HOSTS: the Host names a request may name besides
        # BASE_URL's (check_hosts). TRUSTED_PROXIES: the addresses or networks of the reverse
        # proxies whose X-Forwarded-For/Proto count (check_proxies).
        "HTTPS": _flag(os.environ.get("HTTPS")),
        "TRUSTED_HOSTS": os.environ.get("TRUSTED_HOSTS", ",".join(DEVELOPMENT_HOSTS)),
        "TRUSTED_PROXIES": os.environ.get("TRUSTED_PROXIES", ""),
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
        # The JSON API (issue 15): per token (counted by the token's digest, wherever it is sent from)
        # and per client address (every request, a missing or wrong token too); checked at start-up.
        **{key: os.environ.get(key, default) for key, default in API_RATE_LIMITS.items()},
        "PASSWORD_RESET_VALID_MINUTES": int(os.environ.get("PASSWORD_RESET_VALID_MINUTES", "60")),
        # Request size limits (Flask's own settings): a larger body answers 413 before it is read.
        # No route takes an upload, so one limit serves forms and the JSON API alike (64 KiB is
        # about 20 times the largest form a person can fill in). A future upload route can raise
        # it for itself alone with `request.max_content_length = ...` before reading the body.
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", str(64 * 1024))),
        "MAX_FORM_MEMORY_SIZE": int(os.environ.get("MAX_FORM_MEMORY_SIZE", str(64 * 1024))),
        "MAX_FORM_PARTS": int(os.environ.get("MAX_FORM_PARTS", "200")),
    }


# Trusted as Host names unless TRUSTED_HOSTS says otherwise: a browser or a health check on the
# machine itself. They cannot be made to point at another site.
DEVELOPMENT_HOSTS = ("localhost", "127.0.0.1")


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
    config["BASE_URL"] = check_base_url(config.get("BASE_URL"))
    config["TRUSTED_HOSTS"] = check_hosts(config["BASE_URL"], config.get("TRUSTED_HOSTS"))
    config["TRUSTED_PROXIES"] = check_proxies(config.get("TRUSTED_PROXIES"))
    config["REMINDER_LEASE_SECONDS"] = check_lease(config.get("REMINDER_LEASE_SECONDS", 300))
    try:
        config["HEALTHZ_MIN_FREE_MB"] = int(str(config.get("HEALTHZ_MIN_FREE_MB", 50)).strip())
    except ValueError:
        raise ConfigError(
            f"HEALTHZ_MIN_FREE_MB must be a whole number of megabytes (default 50), "
            f"not {config['HEALTHZ_MIN_FREE_MB']!r}."
        ) from None
    config["CLINIC_WEEK"], config["CLINIC_CLOSED_DATES"] = check_clinic_calendar(config)
    config["VISIT_MINUTES"] = check_visit_minutes(config.get("VISIT_MINUTES", 30))
    config["FOLLOW_UP_WINDOW"] = check_follow_up_window(config.get("FOLLOW_UP_WINDOW_WEEKS", "2-6"))
    for key, default in API_RATE_LIMITS.items():
        check_rate_limit(key, config.get(key, default), default)
    check_rate_limit("SMS_WEBHOOK_RATE_LIMIT", config.get("SMS_WEBHOOK_RATE_LIMIT", "1200 per minute"),
                     "1200 per minute")
    config["CLINIC_COUNTRY"] = check_country(config.get("CLINIC_COUNTRY", "US"))
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(config["CLINIC_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file
        raise ConfigError(
            f"CLINIC_TIMEZONE {config['CLINIC_TIMEZONE']!r} is not an IANA time zone "
            "(for example America/Chicago)."
        ) from None


def check_country(value) -> str:
    """CLINIC_COUNTRY as the two-letter region mobile numbers without a country code are read in."""
    import phonenumbers

    region = str(value or "").strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ConfigError(
            f"CLINIC_COUNTRY must be the clinic's two-letter country code (for example US, MX or ES), "
            f"not {value!r}.")
    return region


def check_base_url(value) -> str:
    """BASE_URL as an http(s) URL with a host and no trailing slash, or a clear refusal.

    Every absolute link (set-password links shown to staff, e-mails, FHIR) is built from it,
    never from the Host a request names (recovery/urls.py)."""
    from urllib.parse import urlsplit

    text = str(value or "").strip()
    try:
        parts = urlsplit(text)
        host = parts.hostname
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        host = None
    if parts.scheme not in ("http", "https") or not host or parts.query or parts.fragment \
            or parts.username or parts.password:
        raise ConfigError(
            f"BASE_URL must be the http:// or https:// address patients and staff use, with a host "
            f"and no query (for example https://recovery.clinic.example), not {value!r}."
        )
    return text.rstrip("/")


def _names(value) -> list[str]:
    """A comma-separated setting (or a list from instance/config.py) as a list of its items."""
    items = value.split(",") if isinstance(value, str) else list(value or [])
    return [str(item).strip() for item in items if str(item).strip()]


def check_hosts(base_url: str, value) -> list[str]:
    """The Host names a request may carry: BASE_URL's host, always, and TRUSTED_HOSTS.

    A name starting with a dot also allows its subdomains (werkzeug's rule). A request naming
    any other host answers 400 before any page is built (recovery/security/hosts.py)."""
    from urllib.parse import urlsplit

    hosts = [urlsplit(base_url).hostname]
    for name in _names(value):
        bare = name.lower()
        if not re.fullmatch(r"\.?(\[[0-9a-f:.]+\]|[a-z0-9_-]+(\.[a-z0-9_-]+)*)", bare):
            raise ConfigError(
                f"TRUSTED_HOSTS lists host names separated by commas, without scheme, port or path "
                f"(for example recovery.clinic.example,localhost), not {name!r}."
            )
        if bare not in hosts:
            hosts.append(bare)
    return hosts


def check_proxies(value) -> list:
    """TRUSTED_PROXIES as a list of networks: the reverse proxies whose X-Forwarded-For and
    X-Forwarded-Proto are believed (recovery/security/proxies.py). Empty: none are.

    It was once a number of proxies; a number trusts whoever connects, so it is refused."""
    import ipaddress

    networks = []
    for item in _names(value):
        if item.isdecimal():
            if int(item) == 0:
                continue  # "0", the old default, still means "no proxy"
            raise ConfigError(
                f"TRUSTED_PROXIES lists the addresses of your reverse proxies, no longer a count: "
                f"set TRUSTED_PROXIES=127.0.0.1 for a proxy on this machine (or its address or "
                f"network, for example 10.0.0.0/8), not {item!r}."
            )
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigError(
                f"TRUSTED_PROXIES lists IP addresses or networks separated by commas "
                f"(for example 127.0.0.1,10.0.0.0/8), not {item!r}."
            ) from None
    return networks


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


def check_follow_up_window(value) -> tuple[int, int]:
    """FOLLOW_UP_WINDOW_WEEKS ("2-6": weeks after the procedure) as (2, 6), or a clear refusal."""
    from .services.worklist import parse_window

    try:
        return parse_window(str(value).replace(" ", ""))
    except ValueError:
        raise ConfigError(
            f"FOLLOW_UP_WINDOW_WEEKS must be two whole numbers of weeks after the procedure, the first "
            f"not above the second (default 2-6), not {value!r}."
        ) from None


def check_outcome_schedule(config, instruments) -> None:
    """OUTCOME_INSTRUMENTS and OUTCOME_WINDOWS as the time points asked (config["OUTCOME_SCHEDULE"]),
    or one line naming the setting; `instruments` are the keys of the instruments defined."""
    from .services.timepoints import ScheduleError, parse_schedule

    try:
        config["OUTCOME_SCHEDULE"] = parse_schedule(config.get("OUTCOME_INSTRUMENTS"),
                                                    config.get("OUTCOME_WINDOWS"), set(instruments))
    except ScheduleError as error:
        raise ConfigError(str(error)) from None


def check_clinic_calendar(config) -> tuple[dict, list]:
    """CLINIC_HOURS and CLINIC_CLOSED parsed (services/clinic_hours.py), or one line naming the
    setting and what is wrong with it."""
    from .services.clinic_hours import EXAMPLE, HoursError, parse_closed, parse_hours

    hours, closed = config.get("CLINIC_HOURS", ""), config.get("CLINIC_CLOSED", "")
    try:
        week = parse_hours(str(hours))
    except HoursError as error:
        raise ConfigError(
            f"CLINIC_HOURS must be opening hours such as {EXAMPLE!r} ({error}), not {hours!r}."
        ) from None
    try:
        days = parse_closed(str(closed or ""))
    except HoursError as error:
        raise ConfigError(
            f"CLINIC_CLOSED must be dates separated by commas such as '2026-12-25,2027-01-01' ({error}), "
            f"not {closed!r}."
        ) from None
    return week, days


def check_visit_minutes(value) -> int:
    """VISIT_MINUTES as a whole number of minutes from 5 to 480, or a clear refusal."""
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdecimal() or not 5 <= int(text) <= 480:
        raise ConfigError(
            f"VISIT_MINUTES must be a whole number of minutes from 5 to 480 (default 30), not {value!r}.")
    return int(text)


def check_rate_limit(key: str, value, default: str):
    """One rate limit such as "300 per minute" (limits' notation), parsed; a clear refusal otherwise."""
    from limits import parse

    try:
        if not isinstance(value, str) or ";" in value or "," in value:
            raise ValueError(value)
        limit = parse(value)
    except ValueError:
        raise ConfigError(
            f"{key} must be one rate limit such as {default!r} (a count per second, minute, hour "
            f"or day), not {value!r}."
        ) from None
    if limit.amount < 1:
        raise ConfigError(f"{key} must allow at least 1 request, not {value!r}.")
    return limit


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
