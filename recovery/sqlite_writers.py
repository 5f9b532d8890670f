"""SQLite writers wait in a queue (a file lock) instead of sleeping in SQLite's busy handler.

SQLite lets one connection write at a time. A writer that finds the database locked retries in
its busy handler, sleeping 1, 2, 5, 10 ... up to 100 ms between tries, so with several web
workers writing, the lock often sits free while every waiter sleeps, and latency grows far past
the cost of the writes. Here each connection takes an exclusive flock on "<database>-lock" just
before the statement that starts its write transaction (INSERT, UPDATE, DELETE, BEGIN,
SAVEPOINT ...) and drops it once that transaction has committed or rolled back: a waiting writer
sleeps in the kernel and wakes the moment the lock is free. Readers never take it (WAL lets them
read during a write).

SQLite's own locking is unchanged underneath: the file lock only orders the writers that use it,
and a process that does not (the sqlite3 shell) is still handled by the busy timeout. One thread
never waits for a lock it already holds through another of its connections: that write falls
back to the busy timeout, as it would without this module.
"""

import os
import sqlite3
import threading
import weakref
from collections import Counter
from fcntl import LOCK_EX, LOCK_NB, LOCK_UN, flock

_READS = ("SELECT", "PRAGMA", "EXPLAIN")
_holders: Counter = Counter()  # thread id -> file locks it holds, to never wait on its own
_holders_guard = threading.Lock()


def lock_path(database) -> str | None:
    """The lock file of a database file, or None for an in-memory or URI database."""
    name = os.fsdecode(database) if isinstance(database, (str, bytes, os.PathLike)) else ""
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return name + "-lock"


class WriterQueueConnection(sqlite3.Connection):
    """A sqlite3 connection whose write transactions queue on the database's file lock."""

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        path = lock_path(database)
        self._lock_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644) if path else None
        self._holder = None  # the thread id that took the file lock, while held
        # Closing the lock file (at close, or when the connection is collected) drops the lock.
        self._close_lock = weakref.finalize(self, os.close, self._lock_fd) if path else None

    def cursor(self, factory=None):
        return super().cursor(factory or WriterQueueCursor)

    def execute(self, sql, parameters=(), /):
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql, parameters, /):
        return self.cursor().executemany(sql, parameters)

    def commit(self):
        try:
            super().commit()
        finally:
            self._release_if_done()

    def rollback(self):
        try:
            super().rollback()
        finally:
            self._release_if_done()

    def close(self):
        try:
            super().close()
        finally:
            self._release()
            if self._close_lock is not None:
                self._close_lock()

    def _before(self, sql: str) -> None:
        """Queue for the file lock if this statement may start a write transaction."""
        if self._lock_fd is None or self._holder is not None or self.in_transaction:
            return
        if sql.lstrip()[:7].upper().startswith(_READS):
            return
        me = threading.get_ident()
        try:
            flock(self._lock_fd, LOCK_EX | LOCK_NB)
        except BlockingIOError:
            with _holders_guard:
                mine = _holders[me] > 0
            if mine:  # held by this very thread through another connection: never wait on it
                return
            flock(self._lock_fd, LOCK_EX)
        self._holder = me
        with _holders_guard:
            _holders[me] += 1

    def _release_if_done(self) -> None:
        if not self.in_transaction:
            self._release()

    def _release(self) -> None:
        if self._holder is None:
            return
        flock(self._lock_fd, LOCK_UN)
        with _holders_guard:
            _holders[self._holder] -= 1
            if not _holders[self._holder]:
                del _holders[self._holder]
        self._holder = None


class WriterQueueCursor(sqlite3.Cursor):
    """Takes the connection's file lock before a statement that starts a write transaction,
    and drops it after any statement that leaves no transaction open (autocommit)."""

    def execute(self, sql, parameters=(), /):
        self.connection._before(sql)
        try:
            return super().execute(sql, parameters)
        finally:
            self.connection._release_if_done()

    def executemany(self, sql, parameters, /):
        self.connection._before(sql)
        try:
            return super().executemany(sql, parameters)
        finally:
            self.connection._release_if_done()
