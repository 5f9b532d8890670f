"""a patient's e-mail can be paused: the mail server refused the address for good

`patients.email_paused_at` is set when a reminder e-mail is refused permanently (5xx to RCPT, a
mailbox code to DATA) and cleared when staff save a working address.

Revision ID: b7d2e9f4c5a8
Revises: c4d8e2f6a1b3
Create Date: 2026-12-04 17:20:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d2e9f4c5a8'
down_revision = 'c4d8e2f6a1b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_paused_at', sa.DateTime(), nullable=True))


def downgrade():
    # In place (SQLite has DROP COLUMN since 3.35): a batch rebuild of `patients` would drop the
    # tables that refer to it.
    op.drop_column('patients', 'email_paused_at')
