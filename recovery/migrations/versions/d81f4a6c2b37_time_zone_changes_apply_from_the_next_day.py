"""time-zone changes apply to the check-in day from the next local day

patients.previous_timezone and patients.timezone_from: until timezone_from, a patient's check-in
day is still counted in the zone they changed from.

Revision ID: d81f4a6c2b37
Revises: c7d2e9a41b63
Create Date: 2026-12-02 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd81f4a6c2b37'
down_revision = 'c7d2e9a41b63'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_timezone', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('timezone_from', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.drop_column('timezone_from')
        batch_op.drop_column('previous_timezone')
