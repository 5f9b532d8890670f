"""the clinic's opening hours and closed dates; a detail (such as an override's reason) on audit events

Revision ID: fba998770226
Revises: b7c3d9e1f2a4
Create Date: 2026-12-03 09:00:00

The tables start empty: `init-db` (or the first change on the settings page) seeds them from
CLINIC_HOURS and CLINIC_CLOSED. audit_events gains its column with a plain ADD COLUMN, never a
copied table, so its append-only triggers stay in place on SQLite.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fba998770226'
down_revision = 'b7c3d9e1f2a4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'clinic_calendar',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('seeded_at', sa.DateTime(), nullable=False),
        sa.Column('changed_at', sa.DateTime(), nullable=True),
        sa.Column('changed_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('id = 1', name=op.f('ck_clinic_calendar_one_row')),
        sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_clinic_calendar_changed_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_clinic_calendar')),
    )
    op.create_table(
        'opening_hours',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('weekday', sa.Integer(), nullable=False),
        sa.Column('opens_minute', sa.Integer(), nullable=False),
        sa.Column('closes_minute', sa.Integer(), nullable=False),
        sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_opening_hours_weekday')),
        sa.CheckConstraint('opens_minute >= 0 AND closes_minute <= 1440 AND opens_minute < closes_minute',
                           name=op.f('ck_opening_hours_range')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_opening_hours')),
    )
    op.create_index('ix_opening_hours_weekday', 'opening_hours', ['weekday', 'opens_minute'], unique=True)
    op.create_table(
        'closed_dates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('note', sa.String(length=120), nullable=True),
        sa.Column('added_at', sa.DateTime(), nullable=False),
        sa.Column('added_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_closed_dates_added_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_closed_dates')),
        sa.UniqueConstraint('day', name=op.f('uq_closed_dates_day')),
    )
    op.add_column('audit_events', sa.Column('detail', sa.Text(), nullable=True))


def downgrade():
    # DROP COLUMN in place (SQLite 3.35+ and PostgreSQL): a copied table would lose the triggers.
    op.execute('ALTER TABLE audit_events DROP COLUMN detail')
    op.drop_table('closed_dates')
    op.drop_index('ix_opening_hours_weekday', table_name='opening_hours')
    op.drop_table('opening_hours')
    op.drop_table('clinic_calendar')
