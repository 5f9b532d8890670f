"""cohort summary (procedure_buckets), filled from the check-ins; drop check-in indexes the composites cover

Revision ID: b3c91e5d7a20
Revises: e4681c38706b
Create Date: 2026-11-25 21:45:00.000000

The backfill does the time-zone arithmetic in Python (SQLite has no time-zone database), reading
the check-ins in batches: a few seconds for 800,000 check-ins. The bucket bounds are frozen here
as they were when this migration was written; later changes to them come with
`flask rebuild-cohort-summary`.
"""
from datetime import UTC
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3c91e5d7a20'
down_revision = 'e4681c38706b'
branch_labels = None
depends_on = None

BUCKET_DAYS = {"day0": (0, 0), "day1": (1, 1), "day2": (2, 2), "day3": (3, 3), "week1": (4, 10),
               "week2": (11, 17), "week3": (18, 24), "week4": (25, 31), "week6": (39, 45),
               "week8": (53, 59), "week12": (81, 87)}
BATCH = 2_000


def upgrade():
    parts = (('date', sa.Date()), ('pain', sa.Integer()))
    summary = op.create_table('procedure_buckets',
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    *(sa.Column(f'{key}_{part}', kind, nullable=True) for key in BUCKET_DAYS for part, kind in parts),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedures.id'], name=op.f('fk_procedure_buckets_procedure_id_procedures')),
    sa.PrimaryKeyConstraint('procedure_id', name=op.f('pk_procedure_buckets'))
    )
    _backfill(op.get_bind(), summary)
    op.drop_index('ix_checkins_patient_id', table_name='checkins')
    op.drop_index('ix_checkins_procedure_id', table_name='checkins')


def _backfill(conn, summary):
    """Each procedure's last check-in (by local date) in each bucket, one row per procedure."""
    bucket_of_day = {d: key for key, (lo, hi) in BUCKET_DAYS.items() for d in range(lo, hi + 1)}
    procedures = sa.table('procedures', sa.column('id', sa.Integer), sa.column('patient_id', sa.Integer),
                          sa.column('performed_at', sa.DateTime))
    patients = sa.table('patients', sa.column('id', sa.Integer), sa.column('timezone', sa.String))
    checkins = sa.table('checkins', sa.column('procedure_id', sa.Integer), sa.column('local_date', sa.Date),
                        sa.column('pain_now', sa.Integer))
    zones = {}
    day0 = {}
    for pid, performed, tz in conn.execute(
            sa.select(procedures.c.id, procedures.c.performed_at, patients.c.timezone)
            .join(patients, patients.c.id == procedures.c.patient_id)):
        zone = zones.get(tz) or zones.setdefault(tz, ZoneInfo(tz))
        day0[pid] = performed.replace(tzinfo=UTC).astimezone(zone).date()  # stored as naive UTC
    empty = {f'{key}_{part}': None for key in BUCKET_DAYS for part in ('date', 'pain')}
    rows = {}
    result = conn.execute(sa.select(checkins.c.procedure_id, checkins.c.local_date, checkins.c.pain_now),
                          execution_options={'yield_per': BATCH})  # streamed, in batches
    for pid, day, pain in result:
        key = bucket_of_day.get((day - day0[pid]).days)
        if key is None:
            continue
        row = rows.get(pid) or rows.setdefault(pid, {'procedure_id': pid, **empty})
        if row[f'{key}_date'] is None or day > row[f'{key}_date']:
            row[f'{key}_date'], row[f'{key}_pain'] = day, pain
    values = list(rows.values())
    for start in range(0, len(values), BATCH):
        conn.execute(summary.insert(), values[start:start + BATCH])


def downgrade():
    op.create_index('ix_checkins_procedure_id', 'checkins', ['procedure_id'], unique=False)
    op.create_index('ix_checkins_patient_id', 'checkins', ['patient_id'], unique=False)
    op.drop_table('procedure_buckets')
