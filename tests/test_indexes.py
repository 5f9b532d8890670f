"""Every hot query is answered from an index, on SQLite and on PostgreSQL (EXPLAIN says so).

PostgreSQL plans by table statistics: on empty tables its choice among indexes is arbitrary
(a different query failed each run). So the tables are first filled with a small realistic
cohort (bench/generate.py) plus reminders, alerts and audit events, and ANALYZEd; the plan is
then what a clinic with data gets. Sequential scans stay off so that a few thousand rows
cannot make a scan look cheaper than the index a real clinic needs.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, text

from bench.generate import build, load
from recovery.extensions import db
from recovery.models import Alert, Appointment, AuditEvent, CheckIn, Procedure, Reminder
from recovery.reminders.dispatch import candidates
from recovery.reminders.outbox import PLANNED_KINDS
from recovery.services import cohort, outbox_view
from recovery.services.outbox_view import OutboxQuery

from .conftest import NOW, empty_every_table

OUTBOX_WEEK = OutboxQuery(channel="email", status="all", due_from=NOW.date(), due_to=NOW.date() + timedelta(days=6))
HOT_QUERIES = {
    "a patient's check-ins by date": (
        select(CheckIn.local_date).where(CheckIn.patient_id == 1, CheckIn.local_date >= NOW.date()),
        "uq_checkins_patient_day"),
    "a procedure's check-ins in date order (cohort, triage, charts)": (
        select(CheckIn.local_date, CheckIn.pain_now).where(CheckIn.procedure_id == 1)
        .order_by(CheckIn.local_date), "ix_checkins_procedure_day"),
    "due reminders to claim": (candidates(NOW, 200)[1], "ix_reminders_status_due"),
    "reminders a dead worker left half-sent": (candidates(NOW, 200)[0], "ix_reminders_status_due"),
    "the outbox's counts by status, e-mails due in a week": (
        outbox_view.counts_statement(OUTBOX_WEEK, ZoneInfo("America/Chicago")), "ix_reminders_status_due"),
    "the outbox's first page, every status": (
        outbox_view.page_statement(OutboxQuery(status="all"), ZoneInfo("America/Chicago")),
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


def fill(patients: int = 200) -> None:
    """A small cohort with a history: check-ins, visits, a sent outbox, mostly-acknowledged
    alerts and an audit trail, then fresh statistics."""
    rows = build(patients, NOW)
    load(db.engine, rows)
    clinicians = [u[0] for u in rows["users"] if u[3] == "clinician"]
    reminders, alerts, audit = [], [], []
    for n, (pid, *_rest) in enumerate(rows["patients"]):
        for k in range(20):
            due = NOW - timedelta(days=k, hours=n % 24)
            reminders.append({"idempotency_key": f"bench-{pid}-{k}", "patient_id": pid, "kind": "daily_nudge",
                              "channel": "email", "due_at": due, "status": "sent" if k else "pending",
                              "created_at": due, "updated_at": due})
        for k in range(5):
            at = NOW - timedelta(days=k * 7, minutes=n)
            alerts.append({"patient_id": pid, "kind": "pain_rising", "severity": "routine", "created_at": at,
                           "acknowledged_at": None if (n + k) % 25 == 0 else at})
        for k in range(10):
            audit.append({"actor_id": clinicians[(n + k) % len(clinicians)], "action": "view_patient",
                          "patient_id": pid, "at": NOW - timedelta(hours=k * 5 + n)})
    db.session.execute(insert(Reminder), reminders)
    db.session.execute(insert(Alert), alerts)
    db.session.execute(insert(AuditEvent), audit)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def empty_and_forget() -> None:
    """Leave no rows, and no statistics of this cohort, behind for the next tests."""
    db.session.remove()
    empty_every_table()  # audit rows too, which the database refuses to the app
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def test_hot_queries_use_their_indexes(app):
    fill()
    try:
        misses = []
        for name, (statement, index) in HOT_QUERIES.items():
            if db.engine.dialect.name == "sqlite" and index.startswith("uq_"):
                index = "sqlite_autoindex_checkins"  # SQLite names a UNIQUE constraint's index itself
            plan = query_plan(statement)
            if index not in plan:
                misses.append(f"{name}: expected {index}, plan was:\n{plan}")
        assert not misses, "\n\n".join(misses)
    finally:
        empty_and_forget()
