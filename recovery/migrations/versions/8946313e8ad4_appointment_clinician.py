"""a clinician on each appointment (the patient's assigned one by default); an index for the agenda

Revision ID: 8946313e8ad4
Revises: ab5b6ad95720
Create Date: 2026-12-03 10:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8946313e8ad4'
down_revision = 'ab5b6ad95720'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('clinician_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_appointments_clinician_id_users'), 'users',
                                    ['clinician_id'], ['id'])
        batch_op.create_index('ix_appointments_scheduled_for', ['scheduled_for'], unique=False)
    # Visits booked before this change are the patient's assigned clinician's.
    op.execute(
        "UPDATE appointments SET clinician_id = "
        "(SELECT patients.clinician_id FROM patients WHERE patients.id = appointments.patient_id)"
    )


def downgrade():
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index('ix_appointments_scheduled_for')
        batch_op.drop_constraint(batch_op.f('fk_appointments_clinician_id_users'), type_='foreignkey')
        batch_op.drop_column('clinician_id')
