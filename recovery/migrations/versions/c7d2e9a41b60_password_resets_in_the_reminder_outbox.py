"""password-reset e-mails in the reminder outbox

A reminder of kind 'password_reset' is addressed to a user (recipient_id) and to no patient, so
reminders.patient_id may be NULL for that kind only; the CHECK constraint on kind is widened.

Revision ID: c7d2e9a41b60
Revises: 9f3b1c2d4e5a
Create Date: 2026-12-02 10:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7d2e9a41b60'
down_revision = '9f3b1c2d4e5a'
branch_labels = None
depends_on = None

OLD_KINDS = ("check_72h", "check_72h_repeat", "follow_up_before", "follow_up_morning", "daily_nudge",
             "escalation", "invite", "visit_summary")
NEW_KINDS = OLD_KINDS + ("password_reset",)


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.alter_column('patient_id', existing_type=sa.Integer(), nullable=True)
        batch_op.drop_constraint(batch_op.f('ck_reminders_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_reminders_kind'), _in("kind", NEW_KINDS))
        batch_op.create_check_constraint(batch_op.f('ck_reminders_patient_required'),
                                         "patient_id IS NOT NULL OR kind = 'password_reset'")


def downgrade():
    op.execute("DELETE FROM reminders WHERE kind = 'password_reset'")
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_reminders_patient_required'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_reminders_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_reminders_kind'), _in("kind", OLD_KINDS))
        batch_op.alter_column('patient_id', existing_type=sa.Integer(), nullable=False)
