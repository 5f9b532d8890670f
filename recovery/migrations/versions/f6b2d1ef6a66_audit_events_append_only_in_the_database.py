"""audit events are append-only in the database too

PostgreSQL: a trigger function refuses every UPDATE and TRUNCATE of audit_events, and every
DELETE except of a demo row (about a demo patient, or about no patient by a @demo.local account),
which `seed-demo` clears when it re-seeds. SQLite: BEFORE UPDATE / BEFORE DELETE triggers that
RAISE(ABORT); they name no other table, so later batch migrations of patients or users still work
(SQLite re-checks every trigger when a table is renamed), and seed-demo lifts them inside its own
transaction (recovery/models/audit.py). A later batch migration of audit_events itself on SQLite
recreates the table and must create these triggers again.

Revision ID: f6b2d1ef6a66
Revises: e5a1c0de5e55
Create Date: 2026-12-02 21:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f6b2d1ef6a66'
down_revision = 'e5a1c0de5e55'
branch_labels = None
depends_on = None

PG_FUNCTION = """
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM patients WHERE id = OLD.patient_id AND demo)
           OR (OLD.patient_id IS NULL
               AND EXISTS (SELECT 1 FROM users WHERE id = OLD.actor_id AND email LIKE '%@demo.local')) THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: % of audit_events refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""
SQLITE_TRIGGERS = [
    "CREATE TRIGGER audit_events_append_only_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE of audit_events refused'); END",
    "CREATE TRIGGER audit_events_append_only_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE of audit_events refused'); END",
]


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute("CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
                   "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()")
        op.execute("CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()")
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only_delete")
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only_update")
