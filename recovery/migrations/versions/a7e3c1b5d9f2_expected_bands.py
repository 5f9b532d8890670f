"""each procedure type's expected-recovery band, stored by the scheduler for the patient charts

Revision ID: a7e3c1b5d9f2
Revises: a20e5d3c9b71
Create Date: 2026-12-03 19:40:00

A patient's chart drew the band from the whole cohort on every page view (the cohort page's work
for one type, about 80-100 ms at 10,000 patients); the scheduler now stores it every few minutes
and the charts read one row. Empty at first: a type without a row is computed when asked.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7e3c1b5d9f2'
down_revision = 'a20e5d3c9b71'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'expected_bands',
        sa.Column('procedure_type', sa.String(length=20), nullable=False),
        sa.Column('computed_at', sa.DateTime(), nullable=False),
        sa.Column('band', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('procedure_type', name=op.f('pk_expected_bands')),
    )


def downgrade():
    op.drop_table('expected_bands')
