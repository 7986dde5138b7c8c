"""next meeting: a workshop follows another; actions carried over

Revision ID: b3d5f7a9c1e2
Revises: a7c3e1f2b9d4
Create Date: 2026-11-24 03:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3d5f7a9c1e2'
down_revision = 'a7c3e1f2b9d4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('workshops', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follows_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_workshops_follows_id_workshops'), 'workshops',
                                    ['follows_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('carried_over', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_column('carried_over')
    with op.batch_alter_table('workshops', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_workshops_follows_id_workshops'), type_='foreignkey')
        batch_op.drop_column('follows_id')
