"""alert follow-up notes: the note of a second clinician who acknowledged an already closed alert

Revision ID: c7d2e9a41b63
Revises: c7d2e9a41b60
Create Date: 2026-12-02 10:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7d2e9a41b63'
down_revision = 'c7d2e9a41b60'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('alert_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_alert_notes_alert_id_alerts')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_alert_notes_author_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_notes'))
    )
    with op.batch_alter_table('alert_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_notes_alert_id'), ['alert_id'], unique=False)


def downgrade():
    with op.batch_alter_table('alert_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_notes_alert_id'))

    op.drop_table('alert_notes')
