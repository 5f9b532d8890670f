"""texts to patients: mobile number and consent, opt-outs, inbound texts, delivery events

The reminder channel 'sms' joins the CHECK on reminders.channel (the registry's text); patients
gain an optional mobile number (E.164), their consent to texts (when, how, by whom), the choice
of texts, an opt-out mirror and a pause; an incomplete check-in may now hold a texted pain score.

Revision ID: a20e5d3c9b71
Revises: 5c1e7b9d2f40
Create Date: 2026-12-03 18:30:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a20e5d3c9b71'
down_revision = '5c1e7b9d2f40'
branch_labels = None
depends_on = None

OLD_CHANNELS = ('email', 'in_app', 'staff', 'clinic')
NEW_CHANNELS = OLD_CHANNELS + ('sms',)
FLAGS = ('flag_neuro', 'flag_chest', 'flag_infection', 'flag_calf')
HAS_FLAG = 'complete OR ' + ' OR '.join(f'{f} IS TRUE' for f in FLAGS)
HAS_REASON = 'complete OR pain_now IS NOT NULL OR ' + ' OR '.join(f'{f} IS TRUE' for f in FLAGS)
METHODS = "sms_consent_method IS NULL OR sms_consent_method IN ('verbal', 'written', 'settings')"


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _foreign_keys(on: bool) -> None:
    """SQLite rebuilds `patients` and `checkins` to change their constraints, and dropping the old
    copy of a table other rows refer to fails while foreign keys are enforced: they are off for
    the rebuild and checked after. The PRAGMA is a no-op inside a transaction, so the work so far
    is committed first (SQLite's DDL is not transactional here: alembic assumes as much)."""
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        return
    raw = bind.connection.dbapi_connection
    raw.commit()
    if on:
        broken = raw.execute('PRAGMA foreign_key_check').fetchall()
        if broken:
            raise RuntimeError(f'foreign keys broken by the rebuild: {broken[:5]}')
    raw.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")
    if raw.execute('PRAGMA foreign_keys').fetchone()[0] != int(on):
        raise RuntimeError('PRAGMA foreign_keys did not change')


def upgrade():
    _foreign_keys(False)
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_reminders_channel'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_reminders_channel'), _in('channel', NEW_CHANNELS))
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mobile', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('sms_consent_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('sms_consent_method', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('sms_consent_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sms_reminders', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('sms_opted_out', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('sms_paused_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_patients_mobile'), ['mobile'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_patients_sms_consent_by_id_users'), 'users',
                                    ['sms_consent_by_id'], ['id'])
        batch_op.create_check_constraint(batch_op.f('ck_patients_sms_consent_method'), METHODS)
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_checkins_incomplete_has_red_flag'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_checkins_incomplete_has_reason'), HAS_REASON)
    op.create_table(
        'sms_opt_outs',
        sa.Column('number', sa.String(length=16), nullable=False),
        sa.Column('opted_out_at', sa.DateTime(), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('keyword', sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint('number', name=op.f('pk_sms_opt_outs')),
    )
    op.create_table(
        'sms_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_sid', sa.String(length=64), nullable=False),
        sa.Column('from_number', sa.String(length=16), nullable=False),
        sa.Column('patient_id', sa.Integer(), nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('checkin_id', sa.Integer(), nullable=True),
        sa.Column('reply', sa.Text(), nullable=True),
        sa.Column('notice', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['checkin_id'], ['checkins.id'], name=op.f('fk_sms_messages_checkin_id_checkins')),
        sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_sms_messages_patient_id_patients')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_messages')),
        sa.UniqueConstraint('message_sid', name=op.f('uq_sms_messages_message_sid')),
    )
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.create_index('ix_sms_messages_from_received', ['from_number', 'received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sms_messages_patient_id'), ['patient_id'], unique=False)
    op.create_table(
        'reminder_deliveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reminder_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('provider_id', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('error_code', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['reminder_id'], ['reminders.id'],
                                name=op.f('fk_reminder_deliveries_reminder_id_reminders')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_deliveries')),
        sa.UniqueConstraint('provider_id', 'status', name='uq_reminder_deliveries_provider_status'),
    )
    with op.batch_alter_table('reminder_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_deliveries_reminder_id'), ['reminder_id'], unique=False)
    _foreign_keys(True)


def downgrade():
    incomplete = op.get_bind().execute(sa.text(
        'SELECT count(*) FROM checkins WHERE NOT (' + HAS_FLAG + ')')).scalar()
    if incomplete:
        raise RuntimeError(f'{incomplete} incomplete check-ins hold only a texted pain score; complete or '
                           'remove them before downgrading')
    _foreign_keys(False)
    op.drop_table('reminder_deliveries')
    op.drop_table('sms_messages')
    op.drop_table('sms_opt_outs')
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_checkins_incomplete_has_reason'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_checkins_incomplete_has_red_flag'), HAS_FLAG)
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_patients_sms_consent_method'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_patients_sms_consent_by_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_patients_mobile'))
        for column in ('sms_paused_at', 'sms_opted_out', 'sms_reminders', 'sms_consent_by_id',
                       'sms_consent_method', 'sms_consent_at', 'mobile'):
            batch_op.drop_column(column)
    op.execute("DELETE FROM reminders WHERE channel = 'sms'")
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_reminders_channel'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_reminders_channel'), _in('channel', OLD_CHANNELS))
    _foreign_keys(True)
