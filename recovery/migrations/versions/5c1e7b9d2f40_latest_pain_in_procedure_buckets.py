"""each procedure's latest pain and last check-in in procedure_buckets, for the clinician's list

Revision ID: 5c1e7b9d2f40
Revises: 8946313e8ad4
Create Date: 2026-12-03 15:30:00

The list sorted and counted every patient with correlated subqueries on the check-ins; these
columns, kept by save_checkin in the same upsert as the cohort buckets, make each a column read.
The backfill is plain SQL (no time-zone arithmetic needed): a row for every procedure with
check-ins (those with check-ins only outside the cohort's buckets had none), then the columns.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1e7b9d2f40'
down_revision = '8946313e8ad4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('procedure_buckets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('latest_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('latest_pain', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('last_date', sa.Date(), nullable=True))
    for statement in BACKFILL:
        op.execute(statement)


BACKFILL = (
    "INSERT INTO procedure_buckets (procedure_id) SELECT DISTINCT c.procedure_id FROM checkins c "
    "WHERE NOT EXISTS (SELECT 1 FROM procedure_buckets b WHERE b.procedure_id = c.procedure_id)",
    "UPDATE procedure_buckets SET "
    "last_date = (SELECT max(c.local_date) FROM checkins c "
    "WHERE c.procedure_id = procedure_buckets.procedure_id), "
    "latest_date = (SELECT max(c.local_date) FROM checkins c "
    "WHERE c.procedure_id = procedure_buckets.procedure_id AND c.pain_now IS NOT NULL), "
    "latest_pain = (SELECT c.pain_now FROM checkins c "
    "WHERE c.procedure_id = procedure_buckets.procedure_id AND c.pain_now IS NOT NULL "
    "ORDER BY c.local_date DESC LIMIT 1)",
)


def downgrade():
    with op.batch_alter_table('procedure_buckets', schema=None) as batch_op:
        batch_op.drop_column('last_date')
        batch_op.drop_column('latest_pain')
        batch_op.drop_column('latest_date')
