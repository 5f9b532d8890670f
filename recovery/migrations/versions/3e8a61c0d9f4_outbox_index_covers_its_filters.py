"""the reminders' status-and-due index also covers kind, channel and patient: the staff Outbox's
counts by status and its pages read only the index, whatever the filter

Revision ID: 3e8a61c0d9f4
Revises: fba998770226
Create Date: 2026-12-03 11:30:00

"""
from alembic import op


revision = '3e8a61c0d9f4'
down_revision = 'fba998770226'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_reminders_status_due', table_name='reminders')
    op.create_index('ix_reminders_status_due', 'reminders',
                    ['status', 'due_at', 'kind', 'channel', 'patient_id'], unique=False)


def downgrade():
    op.drop_index('ix_reminders_status_due', table_name='reminders')
    op.create_index('ix_reminders_status_due', 'reminders', ['status', 'due_at'], unique=False)
