"""a short code beside each set-password link (only its HMAC is kept)

Revision ID: b7c3d9e1f2a4
Revises: f6b2d1ef6a66
Create Date: 2026-12-03 07:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7c3d9e1f2a4'
down_revision = 'f6b2d1ef6a66'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('set_password_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code_hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_set_password_tokens_code_hash', ['code_hash'])


def downgrade():
    with op.batch_alter_table('set_password_tokens', schema=None) as batch_op:
        batch_op.drop_constraint('uq_set_password_tokens_code_hash', type_='unique')
        batch_op.drop_column('code_hash')
