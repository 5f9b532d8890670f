"""clinician visit-summary e-mails in the reminder outbox

A reminder may now be addressed to a clinician (channel 'clinic', kind 'visit_summary',
recipient_id); the CHECK constraints on kind and channel are widened to match the models.

Revision ID: 68a5255383f9
Revises: 54cb2b3f8f1b
Create Date: 2026-11-25 18:43:20.174352

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '68a5255383f9'
down_revision = '54cb2b3f8f1b'
branch_labels = None
depends_on = None

OLD_KINDS = ("check_72h", "check_72h_repeat", "follow_up_before", "follow_up_morning", "daily_nudge",
             "escalation", "invite")
NEW_KINDS = OLD_KINDS + ("visit_summary",)
OLD_CHANNELS = ("email", "in_app", "staff")
NEW_CHANNELS = OLD_CHANNELS + ("clinic",)


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _checks(batch_op, kinds, channels):
    batch_op.drop_constraint(batch_op.f('ck_reminders_kind'), type_='check')
    batch_op.drop_constraint(batch_op.f('ck_reminders_channel'), type_='check')
    batch_op.create_check_constraint(batch_op.f('ck_reminders_kind'), _in("kind", kinds))
    batch_op.create_check_constraint(batch_op.f('ck_reminders_channel'), _in("channel", channels))


def upgrade():
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recipient_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_reminders_recipient_id_users'), 'users', ['recipient_id'], ['id'])
        _checks(batch_op, NEW_KINDS, NEW_CHANNELS)


def downgrade():
    op.execute("DELETE FROM reminders WHERE kind = 'visit_summary' OR channel = 'clinic'")
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        _checks(batch_op, OLD_KINDS, OLD_CHANNELS)
        batch_op.drop_constraint(batch_op.f('fk_reminders_recipient_id_users'), type_='foreignkey')
        batch_op.drop_column('recipient_id')
