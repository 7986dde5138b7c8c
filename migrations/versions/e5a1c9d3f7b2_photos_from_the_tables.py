"""photos from the tables

A photo of a café table's cloth or flip chart, stored in the database with the table, round and
question it belongs to; the workshop says whether anyone seated (not only hosts and scribes) may
take one.

Revision ID: e5a1c9d3f7b2
Revises: c73dcd7ea773
Create Date: 2026-12-05 10:12:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5a1c9d3f7b2'
down_revision = 'c73dcd7ea773'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('workshops', schema=None) as batch_op:
        batch_op.add_column(sa.Column('photos_from_everyone', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))

    op.create_table(
        'table_photos',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('workshop_id', sa.Integer(), nullable=False),
        sa.Column('table_id', sa.Integer(), nullable=True),
        sa.Column('round_id', sa.Integer(), nullable=True),
        sa.Column('question_id', sa.Integer(), nullable=True),
        sa.Column('participant_id', sa.Integer(), nullable=True),
        sa.Column('caption', sa.String(length=200), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('image', sa.LargeBinary(), nullable=False),
        sa.Column('client_id', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'],
                                name=op.f('fk_table_photos_workshop_id_workshops'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['table_id'], ['cafe_tables.id'],
                                name=op.f('fk_table_photos_table_id_cafe_tables'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['round_id'], ['rounds.id'],
                                name=op.f('fk_table_photos_round_id_rounds'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['question_id'], ['questions.id'],
                                name=op.f('fk_table_photos_question_id_questions'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['participant_id'], ['participants.id'],
                                name=op.f('fk_table_photos_participant_id_participants'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_table_photos')),
        sa.UniqueConstraint('participant_id', 'client_id', name=op.f('uq_table_photos_participant_id_client_id')))
    op.create_index(op.f('ix_table_photos_workshop_id'), 'table_photos', ['workshop_id'])


def downgrade():
    op.drop_index(op.f('ix_table_photos_workshop_id'), table_name='table_photos')
    op.drop_table('table_photos')
    with op.batch_alter_table('workshops', schema=None) as batch_op:
        batch_op.drop_column('photos_from_everyone')
