"""The append-only audit trail of who saw or changed a patient's record.

Append-only twice: the ORM refuses to update or delete an AuditEvent (below), and the database
refuses UPDATE, DELETE and TRUNCATE of audit_events from any code (migration f6b2d1ef6a66), except,
on PostgreSQL, DELETE of demo rows, which `seed-demo` clears when it re-seeds.
"""

from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, event, text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class AuditEvent(db.Model):
    """One view or change of a patient's record by a clinician or staff member."""

    __tablename__ = "audit_events"
    # Staff read one patient's (or one actor's) trail newest first.
    __table_args__ = (
        Index("ix_audit_events_patient_at", "patient_id", "at"),
        Index("ix_audit_events_actor_at", "actor_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(64))
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    # What a person wrote for the record, such as the reason for booking past a warning.
    detail: Mapped[str | None] = mapped_column(Text)


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_change(mapper, connection, target):
    raise PermissionError("audit events are append-only")


@contextmanager
def sqlite_triggers_lifted(connection):
    """On SQLite, lift the audit triggers within the caller's transaction and put them back,
    unchanged, before it ends (no other connection sees them gone); elsewhere do nothing.

    For seed-demo's re-seed, which deletes only demo rows: PostgreSQL's trigger allows exactly
    those, but SQLite's triggers cannot look at other tables (see the migration). And for the
    tests' cleanup between tests.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    guards = connection.execute(text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_events' "
        "AND name LIKE 'audit_events_append_only%'")).all()
    for name, _sql in guards:
        connection.execute(text(f'DROP TRIGGER "{name}"'))
    try:
        yield
    finally:
        for _name, sql in guards:
            connection.execute(text(sql))
