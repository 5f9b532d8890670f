"""Field parsers shared by forms, CLI and the JSON API: each returns a clean value or records an error.

A `Fields` collects every problem in one pass, so a person sees all the messages at once.
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from ..models import EMAIL_MAX, PHONE_MAX
from ..models.types import MAX_ID
from .errors import ValidationError

# Dates a person can mean here. Beyond them, adding a day or moving to UTC overflows what
# Python's date holds (0001-01-01 .. 9999-12-31), so filters like to=9999-12-31 failed with a 500.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2999, 12, 31)
TRUE = {"1", "true", "yes", "y", "on"}
FALSE = {"0", "false", "no", "n", "off", ""}


def record_id(value) -> int | None:
    """A submitted record id ("42"), or None when it cannot name a row: not plain digits, 0, or
    beyond the database's integer (MAX_ID). Callers answer None as "not found"."""
    text = value.strip() if isinstance(value, str) else None
    if not text or not text.isascii() or not text.isdecimal() or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


class Fields:
    """Parse a mapping of raw input field by field, collecting errors."""

    def __init__(self, data):
        self.data = data or {}
        self.errors: dict[str, str] = {}

    def raw(self, name):
        value = self.data.get(name)
        return value.strip() if isinstance(value, str) else value

    def fail(self, name, message):
        self.errors.setdefault(name, str(message))

    def done(self) -> None:
        """Raise the collected errors, if any."""
        if self.errors:
            raise ValidationError(self.errors)

    def integer(self, name, lo, hi, required=True):
        value = self.raw(name)
        if value is None or value == "":
            if required:
                self.fail(name, _l("Please enter a whole number from %(lo)s to %(hi)s.", lo=lo, hi=hi))
            return None
        if isinstance(value, bool) or isinstance(value, float):
            value = str(value)
        if isinstance(value, str):
            if not value.lstrip("-").isdecimal():  # "²" is a digit int() refuses
                self.fail(name, _l("Please enter a whole number from %(lo)s to %(hi)s.", lo=lo, hi=hi))
                return None
            value = int(value)
        if not isinstance(value, int) or not lo <= value <= hi:
            self.fail(name, _l("Please enter a whole number from %(lo)s to %(hi)s.", lo=lo, hi=hi))
            return None
        return value

    def decimal(self, name, lo, hi, required=False):
        value = self.raw(name)
        if value is None or value == "":
            if required:
                self.fail(name, _l("This field is required."))
            return None
        try:
            number = float(value) if not isinstance(value, bool) else None
        except (TypeError, ValueError):
            number = None
        if number is None or number != number or not lo < number <= hi:
            self.fail(name, _l("Please enter a number above %(lo)s and at most %(hi)s.", lo=lo, hi=hi))
            return None
        return round(number, 1)

    def choice(self, name, choices, required=True, default=None):
        value = self.raw(name)
        if value is None or value == "":
            if required and default is None:
                self.fail(name, _l("Please choose one of the options."))
            return default
        if value not in choices:
            self.fail(name, _l("Please choose one of the options."))
            return None
        return value

    def search(self, name, max_length) -> str:
        """A list page's search text: "" when absent; too long or with control characters is refused."""
        text = self.raw(name) or ""
        if not isinstance(text, str) or len(text) > max_length:
            self.fail(name, _l("Please search with %(n)s characters or fewer.", n=max_length))
            return ""
        if any(ord(c) < 32 or ord(c) == 127 for c in text):
            self.fail(name, _l("The search cannot contain control characters."))
            return ""
        return text

    def filter(self, name, choices):
        """A list page's filter: empty or "all" is no filter (None); an unknown value is refused."""
        value = self.raw(name)
        if value in (None, "", "all"):
            return None
        if value not in choices:
            self.fail(name, _l("Unknown value for %(name)s: choose one from the list.", name=name))
            return None
        return value

    def boolean(self, name, required=True):
        value = self.raw(name)
        if isinstance(value, bool):
            return value
        if value is None and not required:
            return False
        text = str(value).lower() if value is not None else None
        if text in TRUE:
            return True
        if text in FALSE and (text != "" or not required):
            return False
        self.fail(name, _l("Please answer yes or no."))
        return None

    def text(self, name, max_length, required=False):
        value = self.raw(name)
        if value is None or value == "":
            if required:
                self.fail(name, _l("This field is required."))
            return None
        if not isinstance(value, str):
            self.fail(name, _l("Please enter text."))
            return None
        if len(value) > max_length:
            self.fail(name, _l("Please keep this to %(n)s characters or fewer.", n=max_length))
            return None
        return value

    def email(self, name, required=True):
        value = self.text(name, EMAIL_MAX, required=required)
        if value is None:
            return None
        try:
            return validate_email(value, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            self.fail(name, _l("Please enter a valid e-mail address."))
            return None

    def phone(self, name, required=True):
        value = self.text(name, PHONE_MAX, required=required)
        if value is None:
            return None
        digits = [c for c in value if c.isdigit()]
        if len(digits) < 7 or any(not (c.isdigit() or c in " +-().") for c in value):
            self.fail(name, _l("Please enter a phone number (digits, spaces, + - ( ) only)."))
            return None
        return value

    def mobile(self, name, region: str):
        """An optional mobile number, read in `region` (the clinic's country) unless it starts with
        + and a country code, returned in E.164 ("+13125550123"); None when blank."""
        import phonenumbers

        value = self.text(name, PHONE_MAX)
        if value is None:
            return None
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            self.fail(name, _l("Please enter a mobile number that can get texts, such as (312) 555-0123 "
                               "or +1 312 555 0123."))
            return None
        if phonenumbers.number_type(number) not in (phonenumbers.PhoneNumberType.MOBILE,
                                                    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
            self.fail(name, _l("This is not a mobile number: texts need a mobile."))
            return None
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def day(self, name, required=True):
        """A calendar day from EARLIEST_DAY to LATEST_DAY."""
        value = self.raw(name)
        if value is None or value == "":
            if required:
                self.fail(name, _l("Please enter a date (YYYY-MM-DD)."))
            return None
        if not (isinstance(value, date) and not isinstance(value, datetime)):
            try:
                value = date.fromisoformat(str(value))
            except ValueError:
                self.fail(name, _l("Please enter a real date (YYYY-MM-DD)."))
                return None
        if not EARLIEST_DAY <= value <= LATEST_DAY:
            self.fail(name, _l("Please enter a date from %(lo)s to %(hi)s.",
                               lo=EARLIEST_DAY.isoformat(), hi=LATEST_DAY.isoformat()))
            return None
        return value

    def local_datetime(self, name, tz: ZoneInfo, required=True):
        """A wall-clock date and time in `tz` (a form's datetime-local), returned as aware UTC."""
        value = self.raw(name)
        if isinstance(value, datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=tz)
            try:
                return value.astimezone(ZoneInfo("UTC"))
            except OverflowError:  # year 1 or 9999 a few minutes away from UTC
                self.fail(name, _l("Please enter a real date and time (YYYY-MM-DD HH:MM)."))
                return None
        if value is None or value == "":
            if required:
                self.fail(name, _l("Please enter a date and time."))
            return None
        try:
            parsed = datetime.fromisoformat(str(value))
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=tz)
            # Year 1 or 9999 in a zone away from UTC falls outside what datetime can hold.
            return parsed.astimezone(ZoneInfo("UTC"))
        except (ValueError, OverflowError):
            self.fail(name, _l("Please enter a real date and time (YYYY-MM-DD HH:MM)."))
            return None

    def timezone(self, name, default):
        value = self.raw(name) or default
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):  # OSError: a name too long for a file
            self.fail(name, _l("Please choose a valid time zone."))
            return None
        return value

    def clock(self, name, default: time | None = None):
        value = self.raw(name)
        if value in (None, ""):
            return default
        try:
            return time.fromisoformat(str(value))
        except ValueError:
            self.fail(name, _l("Please enter a time (HH:MM)."))
            return None


def contains_pattern(text: str) -> str:
    """A case-insensitive LIKE pattern matching `text` anywhere, its wildcards escaped (ESCAPE '\\')."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
