"""SQLite writers queue on a lock file: held from a transaction's first write to its end, never
by readers, and never waited for by the thread that already holds it."""

import os
import sqlite3
from fcntl import LOCK_EX, LOCK_NB, LOCK_UN, flock

import pytest

from recovery.sqlite_writers import WriterQueueConnection, lock_path


@pytest.fixture
def database(tmp_path):
    path = str(tmp_path / "w.sqlite")
    with sqlite3.connect(path) as setup:
        setup.execute("PRAGMA journal_mode = WAL")
        setup.execute("CREATE TABLE t (x INTEGER)")
    return path


def _connect(path, **kwargs):
    return sqlite3.connect(path, factory=WriterQueueConnection, **kwargs)


def _free(path) -> bool:
    """Could another writer take the queue's lock right now?"""
    fd = os.open(lock_path(path), os.O_RDWR | os.O_CREAT)
    try:
        flock(fd, LOCK_EX | LOCK_NB)
        flock(fd, LOCK_UN)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


@pytest.mark.parametrize("end", ["commit", "rollback"])
def test_a_write_holds_the_queue_until_its_transaction_ends(database, end):
    writer = _connect(database)
    writer.execute("SELECT count(*) FROM t").fetchall()
    assert _free(database), "a read must not hold up writers"
    writer.execute("INSERT INTO t VALUES (1)")
    assert not _free(database)
    writer.execute("SELECT count(*) FROM t").fetchall()
    assert not _free(database)
    getattr(writer, end)()
    assert _free(database)
    writer.close()


def test_begin_immediate_and_savepoints_queue_too(database):
    writer = _connect(database)
    writer.execute("BEGIN IMMEDIATE")
    assert not _free(database)
    writer.commit()
    writer.execute("SAVEPOINT s")
    assert not _free(database)
    writer.execute("RELEASE SAVEPOINT s")  # the outermost savepoint ends the transaction
    assert _free(database)
    writer.close()


def test_a_second_connection_of_the_same_thread_falls_back_to_the_busy_timeout(database):
    first = _connect(database)
    first.execute("INSERT INTO t VALUES (1)")
    second = _connect(database, timeout=0.05)
    with pytest.raises(sqlite3.OperationalError, match="locked"):  # not a wait for ever
        second.execute("INSERT INTO t VALUES (2)")
    first.commit()
    second.rollback()
    second.execute("INSERT INTO t VALUES (2)")
    second.commit()
    assert first.execute("SELECT count(*) FROM t").fetchone() == (2,)
    first.close()
    second.close()
    assert _free(database)


def test_closing_a_connection_in_a_transaction_frees_the_queue(database):
    writer = _connect(database)
    writer.execute("INSERT INTO t VALUES (1)")
    writer.close()
    assert _free(database)


def test_in_memory_databases_need_no_lock_file():
    assert lock_path(":memory:") is None and lock_path("") is None
    memory = _connect(":memory:")
    memory.execute("CREATE TABLE t (x INTEGER)")
    memory.execute("INSERT INTO t VALUES (1)")
    memory.commit()
    memory.close()
