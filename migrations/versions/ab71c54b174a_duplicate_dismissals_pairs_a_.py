"""duplicate dismissals: pairs a facilitator said are not duplicates

The moderation board proposes possible duplicates; a dismissed pair is stored (lower id first)
so that it is not proposed again.

Revision ID: ab71c54b174a
Revises: bbefa142ee90
Create Date: 2026-12-04 17:35:22.762668

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ab71c54b174a'
down_revision = 'bbefa142ee90'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('duplicate_dismissals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('first_id', sa.Integer(), nullable=False),
    sa.Column('second_id', sa.Integer(), nullable=False),
    sa.Column('dismissed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('first_id < second_id', name=op.f('ck_duplicate_dismissals_ordered')),
    sa.ForeignKeyConstraint(['dismissed_by_id'], ['facilitators.id'], name=op.f('fk_duplicate_dismissals_dismissed_by_id_facilitators'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['first_id'], ['suggestions.id'], name=op.f('fk_duplicate_dismissals_first_id_suggestions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['second_id'], ['suggestions.id'], name=op.f('fk_duplicate_dismissals_second_id_suggestions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'], name=op.f('fk_duplicate_dismissals_workshop_id_workshops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duplicate_dismissals')),
    sa.UniqueConstraint('first_id', 'second_id', name=op.f('uq_duplicate_dismissals_first_id_second_id'))
    )
    with op.batch_alter_table('duplicate_dismissals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duplicate_dismissals_workshop_id'), ['workshop_id'], unique=False)



def downgrade():
    with op.batch_alter_table('duplicate_dismissals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duplicate_dismissals_workshop_id'))

    op.drop_table('duplicate_dismissals')
