"""Engine settings that make the SQLite default safe for a web process and a scheduler."""

from sqlalchemy import event
from sqlalchemy.engine import Engine


def configure_engine(engine: Engine) -> None:
    """Turn on foreign keys, WAL and a busy timeout for every SQLite connection."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA busy_timeout = 5000")
        cursor.close()


def check_reachable(engine: Engine) -> None:
    """Connect once at start-up, so an unreachable database is one clear line, not a 500 later.

    The pool is emptied afterwards: gunicorn forks workers after this runs, and a connection
    must never be shared across a fork.
    """
    from sqlalchemy.exc import DBAPIError

    from .config import ConfigError

    try:
        with engine.connect():
            pass
    except DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        where = engine.url.render_as_string(hide_password=True)
        raise ConfigError(f"DATABASE_URL: cannot connect to {where}: {reason}") from None
    finally:
        engine.dispose()
