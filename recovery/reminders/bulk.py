"""The sweep's bulk statements: planned rows inserted at the speed of the database, and
batches of ids matched with one parameter.

A sweep over a busy cohort plans hundreds of thousands of rows. Through SQLAlchemy each row's
parameters are processed one by one in Python (a quarter of the sweep), and psycopg sends an
executemany as one statement per row. Here the rows go to the driver as plain tuples: on SQLite
one `executemany` of a prepared statement with the dates formatted once per distinct value
(exactly as SQLAlchemy stores them), on PostgreSQL one `INSERT ... SELECT FROM unnest(arrays)`
per batch. Both skip a key another process planned first, as the ORM path did.
"""

from datetime import datetime

from sqlalchemy import Integer, any_, literal
from sqlalchemy.dialects.postgresql import ARRAY

from ..extensions import db
from ..models.reminders import Reminder

TABLE = Reminder.__table__
# What a Planned row brings; status, attempts and the two timestamps are the same for all.
COLUMNS = ("idempotency_key", "patient_id", "appointment_id", "recipient_id", "kind", "channel",
           "for_date", "due_at")
_SQLITE = """INSERT INTO reminders (idempotency_key, patient_id, appointment_id, recipient_id, kind,
    channel, for_date, due_at, status, attempts, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING"""
_PG = """INSERT INTO reminders (idempotency_key, patient_id, appointment_id, recipient_id, kind,
    channel, for_date, due_at, status, attempts, created_at, updated_at)
    SELECT *, 'pending', 0, %(now)s, %(now)s FROM unnest(%(key)s::varchar[], %(patient)s::int[],
        %(appointment)s::int[], %(recipient)s::int[], %(kind)s::varchar[], %(channel)s::varchar[],
        %(for_date)s::date[], %(due_at)s::timestamp[])
    ON CONFLICT (idempotency_key) DO NOTHING"""


def insert_planned(rows: list[tuple], now: datetime) -> None:
    """Insert rows (tuples in COLUMNS order, aware UTC due_at) as pending, in the session's
    transaction; a row whose key exists already is skipped."""
    if not rows:
        return
    connection = db.session.connection()
    dialect = connection.dialect
    due_at = _processor("due_at", dialect)  # aware UTC -> what the column stores
    cursor = connection.connection.cursor()
    try:
        if dialect.name == "postgresql":
            columns = list(zip(*rows, strict=True))
            cursor.execute(_PG, {
                "now": due_at(now), "key": list(columns[0]), "patient": list(columns[1]),
                "appointment": list(columns[2]), "recipient": list(columns[3]), "kind": list(columns[4]),
                "channel": list(columns[5]), "for_date": list(columns[6]),
                "due_at": [due_at(d) for d in columns[7]]})
        else:
            days, times = _Texts(_processor("for_date", dialect)), _Texts(due_at)
            stamp = due_at(now)
            cursor.executemany(_SQLITE, [(*row[:6], days[row[6]], times[row[7]], stamp, stamp)
                                         for row in rows])
    finally:
        cursor.close()


def among(column, ids):
    """`column IN ids` for a batch of ids. On PostgreSQL one array parameter (`= ANY`): a
    parameter per id costs the driver and the planner about as much as the query itself."""
    if db.engine.dialect.name == "postgresql":
        return column == any_(literal(list(ids), ARRAY(Integer)))
    return column.in_(ids)


def _processor(column: str, dialect):
    """What SQLAlchemy does to a value of this column before the driver sees it."""
    kind = TABLE.c[column].type.dialect_impl(dialect)
    return kind.bind_processor(dialect) or (lambda value: value)


class _Texts(dict):
    """A value's stored text, worked out once: a sweep's rows share a few dates and times."""

    def __init__(self, process):
        super().__init__({None: None})
        self.process = process

    def __missing__(self, value):
        self[value] = text = self.process(value)
        return text
