"""the delivery ledger: each reminder's steps from planned to answered

Reminders keep the id the service gave their message at the hand-over (an e-mail's Message-ID,
a text's sid); reminder_deliveries becomes the ledger of what followed, each row a `step`
(sent, delivered, failed, opened, answered), once per (reminder, step, status), its provider id
now optional (a followed link or a check-in has none); a check-in link remembers the reminder
that carried it; a patient's e-mail can be paused (an address the mail server refused for good).
Existing rows (Twilio's status callbacks) take the step their status means.

Revision ID: c4d8e2f6a1b3
Revises: a7e3c1b5d9f2
Create Date: 2026-12-04 13:45:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d8e2f6a1b3'
down_revision = 'a7e3c1b5d9f2'
branch_labels = None
depends_on = None

STEPS = ('planned', 'sent', 'delivered', 'failed', 'opened', 'answered')
STEP_OF_STATUS = ("CASE WHEN status IN ('delivered', 'read') THEN 'delivered' "
                  "WHEN status IN ('failed', 'undelivered') THEN 'failed' ELSE 'sent' END")


def upgrade():
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider_id', sa.String(length=64), nullable=True))
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_paused_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('checkin_links', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_checkin_links_reminder_id_reminders'), 'reminders',
                                    ['reminder_id'], ['id'])
    with op.batch_alter_table('reminder_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('step', sa.String(length=12), nullable=True))
    op.execute(f'UPDATE reminder_deliveries SET step = {STEP_OF_STATUS}')
    with op.batch_alter_table('reminder_deliveries', schema=None) as batch_op:
        batch_op.alter_column('step', existing_type=sa.String(length=12), nullable=False)
        batch_op.alter_column('provider_id', existing_type=sa.String(length=64), nullable=True)
        batch_op.create_unique_constraint('uq_reminder_deliveries_reminder_step_status',
                                          ['reminder_id', 'step', 'status'])
        batch_op.create_check_constraint(
            batch_op.f('ck_reminder_deliveries_step'), f"step IN ({', '.join(repr(s) for s in STEPS)})")


def downgrade():
    # Steps without a provider's message (opened, answered, an SMTP refusal) had no place before.
    op.execute('DELETE FROM reminder_deliveries WHERE provider_id IS NULL')
    with op.batch_alter_table('reminder_deliveries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_reminder_deliveries_step'), type_='check')
        batch_op.drop_constraint('uq_reminder_deliveries_reminder_step_status', type_='unique')
        batch_op.alter_column('provider_id', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column('step')
    with op.batch_alter_table('checkin_links', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_checkin_links_reminder_id_reminders'), type_='foreignkey')
        batch_op.drop_column('reminder_id')
    # In place (SQLite has DROP COLUMN since 3.35): a batch rebuild of `reminders` would drop the
    # table the check-in links and the ledger refer to.
    op.drop_column('reminders', 'provider_id')
    op.drop_column('patients', 'email_paused_at')
