"""drop one-column indexes that lead a composite index (audit trail, current procedure)

Each is the first column of a composite index that answers the same look-ups
(ix_audit_events_actor_at, ix_audit_events_patient_at, ix_procedures_patient_performed), so it only
costs writes; and on PostgreSQL it competes with the composite in the planner. (The check-in ones
went in b3c91e5d7a20.)

Revision ID: 9f3b1c2d4e5a
Revises: b3c91e5d7a20
Create Date: 2026-11-25 21:50:00

"""
from alembic import op


revision = '9f3b1c2d4e5a'
down_revision = 'b3c91e5d7a20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_actor_id')
        batch_op.drop_index('ix_audit_events_patient_id')
    with op.batch_alter_table('procedures', schema=None) as batch_op:
        batch_op.drop_index('ix_procedures_patient_id')


def downgrade():
    with op.batch_alter_table('procedures', schema=None) as batch_op:
        batch_op.create_index('ix_procedures_patient_id', ['patient_id'], unique=False)
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_patient_id', ['patient_id'], unique=False)
        batch_op.create_index('ix_audit_events_actor_id', ['actor_id'], unique=False)
