"""the completion summary: check-ins made / asked for per procedure, channel and week

Derived data (services/completion.refresh_summary fills it from the reminders and their delivery
ledger; the scheduler refreshes it every few minutes), so the cohort page reads one small row per
procedure and week instead of every reminder. Empty until the first refresh.

Revision ID: d3f8a2c6e9b1
Revises: b7d2e9f4c5a8
Create Date: 2026-12-04 18:05:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd3f8a2c6e9b1'
down_revision = 'b7d2e9f4c5a8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'procedure_completion',
        sa.Column('procedure_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('week', sa.Integer(), nullable=False),
        sa.Column('asked', sa.Integer(), nullable=False),
        sa.Column('made', sa.Integer(), nullable=False),
        sa.Column('computed_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['procedure_id'], ['procedures.id'],
                                name=op.f('fk_procedure_completion_procedure_id_procedures')),
        sa.PrimaryKeyConstraint('procedure_id', 'channel', 'week', name=op.f('pk_procedure_completion')),
    )


def downgrade():
    op.drop_table('procedure_completion')
