"""Consistent backups while the app runs, and restoring them: SQLite backup API or pg_dump.

A SQLite backup is a copy made with SQLite's online backup API (a snapshot even while other
processes write, thanks to WAL); a PostgreSQL backup is a `pg_dump` custom-format archive (one
transaction snapshot). A file counts as a Recovery backup only if it holds Recovery's tables.
Files are written with mode 0600: they hold health data.
"""

import glob
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass

from sqlalchemy.engine import URL, make_url

RECOVERY_TABLES = {"alembic_version", "users", "patients", "checkins", "audit_events"}
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


class BackupError(RuntimeError):
    """The backup or restore cannot be done; the message says why and what to do."""


@dataclass
class BackupInfo:
    kind: str  # "sqlite" or "postgresql"
    revision: str | None  # the schema (Alembic) revision inside the backup, when known


def backup(database_url: str, path: str) -> BackupInfo:
    """Write a consistent copy of the database to `path` (which must not exist yet)."""
    if os.path.exists(path):
        raise BackupError(f"{path} already exists; choose a new file name.")
    url = make_url(database_url)
    tmp = f"{path}.partial"
    _private_file(tmp)
    try:
        if url.get_backend_name() == "sqlite":
            with closing(_sqlite_connect(url.database)) as source, closing(sqlite3.connect(tmp)) as target:
                source.backup(target)  # one step: a single consistent snapshot
        elif url.get_backend_name() == "postgresql":
            _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", tmp], url)
        else:
            raise BackupError(f"Cannot back up a {url.get_backend_name()} database.")
        info = inspect(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return info


def inspect(path: str) -> BackupInfo:
    """What kind of Recovery backup `path` is; BackupError if it is not one."""
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError as error:
        raise BackupError(f"Cannot read {path}: {error.strerror}.") from None
    if head == SQLITE_MAGIC:
        try:
            with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
                rows = connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
                tables = {r[0] for r in rows}
                revision = None
                if "alembic_version" in tables:
                    row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
                    revision = row[0] if row else None
        except sqlite3.DatabaseError:
            tables, revision = set(), None
        kind = "sqlite"
    elif head.startswith(PG_MAGIC):
        # A fixed PostgreSQL tool with an argument list, no shell (bandit B603 accepted).
        listing = subprocess.run(  # noqa: S603  # nosec
            [_pg_tool("pg_restore"), "--list", path], capture_output=True, text=True, check=False
        )
        # Lines look like "215; 1259 16390 TABLE public users owner".
        tables = set()
        for line in listing.stdout.splitlines():
            parts = line.split()
            if "TABLE" in parts and len(parts) > parts.index("TABLE") + 2:
                tables.add(parts[parts.index("TABLE") + 2])
        revision = None
        kind = "postgresql"
    else:
        tables, kind, revision = set(), "", None
    if not RECOVERY_TABLES <= tables:
        raise BackupError(f"{path} is not a Recovery backup (it does not hold Recovery's tables).")
    return BackupInfo(kind, revision)


def restore(database_url: str, path: str) -> BackupInfo:
    """Replace the database's contents with the backup at `path`. Stop the app and scheduler first."""
    info = inspect(path)
    url = make_url(database_url)
    backend = url.get_backend_name()
    if info.kind != backend:
        raise BackupError(f"{path} is a {info.kind} backup, but the database is {backend}.")
    if backend == "sqlite":
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as source, \
                closing(_sqlite_connect(url.database)) as target:
            source.backup(target)
    else:
        _run([_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
              "--exit-on-error", path], url, database_flag="--dbname")
    return info


def _sqlite_connect(database: str | None) -> sqlite3.Connection:
    if not database or database == ":memory:":
        raise BackupError("The database is in memory; there is nothing on disk to back up or restore.")
    connection = sqlite3.connect(database, timeout=30)
    connection.execute("PRAGMA busy_timeout = 30000")
    return connection


def _private_file(path: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise BackupError(f"The folder {directory} does not exist.")
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))


def _pg_tool(name: str) -> str:
    """pg_dump or pg_restore: on the PATH, else the newest under /usr/lib/postgresql."""
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if found is None:
        raise BackupError(f"{name} is not installed (apt-get install postgresql-client).")
    return found


def _run(command: list[str], url: URL, database_flag: str | None = None) -> None:
    """Run a PostgreSQL tool against `url`; the password goes in the environment, not the command line."""
    env = dict(os.environ)
    for variable, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                            ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value is not None:
            env[variable] = str(value)
    if database_flag:
        command = [*command[:-1], database_flag, url.database or "", command[-1]]
    # A fixed PostgreSQL tool with an argument list, no shell (bandit B603 accepted).
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603  # nosec
    if result.returncode != 0:
        raise BackupError(f"{os.path.basename(command[0])} failed: {result.stderr.strip()[:500]}")
