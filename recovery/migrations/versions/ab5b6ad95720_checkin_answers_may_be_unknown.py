"""check-in answers may be unknown (NULL) and each row says whether it is complete

A check-in that reports a red flag is saved even when other answers are missing: those are
stored as NULL ("not answered", never "no"), and `complete` is false until they are given.
Every existing row had every answer: complete = true.

Revision ID: ab5b6ad95720
Revises: 3e8a61c0d9f4
Create Date: 2026-12-03 10:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ab5b6ad95720'
down_revision = '3e8a61c0d9f4'
branch_labels = None
depends_on = None

ANSWERS = ('pain_now', 'worst_pain', 'walking_level', 'minutes_upright', 'medication', 'sleep_disturbed',
           'flag_neuro', 'flag_chest', 'flag_infection', 'flag_calf')
FLAGS = ANSWERS[6:]
TYPES = {'medication': sa.String(length=16), 'sleep_disturbed': sa.Boolean()}
COMPLETE = 'NOT complete OR (' + ' AND '.join(f'{a} IS NOT NULL' for a in ANSWERS) + ')'
HAS_FLAG = 'complete OR ' + ' OR '.join(f'{f} IS TRUE' for f in FLAGS)


def _type(name):
    return TYPES.get(name, sa.Boolean() if name.startswith('flag_') else sa.Integer())


def upgrade():
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('complete', sa.Boolean(), server_default=sa.true(), nullable=False))
        for name in ANSWERS:
            batch_op.alter_column(name, existing_type=_type(name), nullable=True)
        batch_op.create_check_constraint(op.f('ck_checkins_complete_answers'), COMPLETE)
        batch_op.create_check_constraint(op.f('ck_checkins_incomplete_has_red_flag'), HAS_FLAG)


def downgrade():
    # An incomplete check-in has no value for its missing answers: refuse rather than invent "no".
    incomplete = op.get_bind().execute(sa.text('SELECT count(*) FROM checkins WHERE NOT complete')).scalar()
    if incomplete:
        raise RuntimeError(f'{incomplete} incomplete check-ins have unknown answers; complete or '
                           'remove them before downgrading')
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_checkins_incomplete_has_red_flag'), type_='check')
        batch_op.drop_constraint(op.f('ck_checkins_complete_answers'), type_='check')
        for name in ANSWERS:
            batch_op.alter_column(name, existing_type=_type(name), nullable=False)
        batch_op.drop_column('complete')
