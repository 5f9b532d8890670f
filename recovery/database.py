"""Engine settings that make the SQLite default safe for a web process and a scheduler."""

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session


def configure_engine(engine: Engine) -> None:
    """Turn on foreign keys, WAL and a busy timeout for every SQLite connection: a writer that
    finds the database locked waits in SQLite's own busy handler, up to 5 s. (A queue of writers
    on a file lock was measured against it and was not needed: bench/NOTES.md.)"""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA busy_timeout = 5000")
        cursor.close()


def begin_write(session: Session) -> None:
    """Start the session's write transaction before its reads, so what it reads next is the
    latest committed data and no other writer changes it before this transaction commits.

    On SQLite that is BEGIN IMMEDIATE: the database's write lock, taken now rather than at the
    first INSERT or UPDATE. PostgreSQL needs nothing here: the caller locks the rows it is about
    to change (SELECT ... FOR UPDATE), and writers of other rows go on at the same time.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.dbapi_connection
    if isinstance(raw, sqlite3.Connection) and not raw.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def check_writable(url: str, instance_path: str) -> None:
    """A SQLite database's folder must be writable (SQLite writes its journal and WAL files
    beside it), and so must the file: say so in one line at start-up, not in a traceback.

    Nothing to check for PostgreSQL, which may run with a read-only instance folder."""
    import errno
    import os
    import tempfile

    from sqlalchemy.engine import make_url

    from .config import ConfigError

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:") \
            or parsed.query.get("mode") == "memory":
        return
    path = os.path.abspath(parsed.database)
    folder = os.path.dirname(path)
    same = os.path.realpath(folder) == os.path.realpath(instance_path)
    name = f"instance folder {folder}" if same else f"SQLite database folder {folder}"
    fix = "(the SQLite database needs a writable folder; set DATABASE_URL or fix permissions)"
    try:
        if not os.path.isdir(folder):
            if same:  # create_app could not create it
                os.makedirs(folder, exist_ok=True)
            else:
                return  # check_reachable names the missing folder
        with tempfile.TemporaryFile(dir=folder):
            pass
        if os.path.exists(path):
            with open(path, "r+b"):
                pass
    except OSError as error:
        what = "is read-only" if error.errno == errno.EROFS else f"is not writable ({error.strerror})"
        if os.path.exists(path) and os.path.isdir(folder) and error.filename == path:
            name, what = f"SQLite database {path}", what
        raise ConfigError(f"{name} {what} {fix}") from None


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
