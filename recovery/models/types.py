"""Column types shared by the models."""

from datetime import datetime, timezone

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

# Every id column is an Integer: 32 bits on PostgreSQL (64 on SQLite). A larger number names no
# row, and sending it would make PostgreSQL (or, past 2**63, SQLite's driver) fail the query.
MAX_ID = 2**31 - 1


def utcnow() -> datetime:
    """Current time as an aware UTC datetime (a callable default, never evaluated at import)."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Store naive UTC, hand back aware UTC: SQLite keeps no offset, so we normalise both ways."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


def render_migration_type(type_, obj, autogen_context):
    """Write our UTC column as a plain DateTime in migrations, so they import nothing of ours."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False
