"""question types: multiple choice, scales, ranking and questions to the panel

A question has a kind (open text stays the default) and its settings; options (or a scale's
statements) belong to a question; a participant's one current answer is a row of ``answers``
with its ticked, rated or ranked options in ``answer_items``. A question to the panel is a
suggestion that can be marked answered.

Revision ID: c73dcd7ea773
Revises: ab71c54b174a
Create Date: 2026-12-04 17:40:35.215425

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c73dcd7ea773'
down_revision = 'ab71c54b174a'
branch_labels = None
depends_on = None

KINDS = "kind in ('text', 'choice', 'scale', 'ranking', 'qanda')"


def upgrade():
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='text', nullable=False))
        batch_op.add_column(sa.Column('multiple', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('max_choices', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('allow_other', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('scale_min', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('scale_max', sa.Integer(), server_default='5', nullable=False))
        batch_op.add_column(sa.Column('low_label', sa.String(length=80), server_default='', nullable=False))
        batch_op.add_column(sa.Column('high_label', sa.String(length=80), server_default='', nullable=False))
        batch_op.add_column(sa.Column('ranking_source_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('premoderated', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_questions_ranking_source_id_questions'), 'questions',
                                    ['ranking_source_id'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint(batch_op.f('ck_questions_kind'), KINDS)

    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        'question_options',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('text', sa.String(length=200), nullable=False),
        sa.Column('suggestion_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['question_id'], ['questions.id'],
                                name=op.f('fk_question_options_question_id_questions'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['suggestion_id'], ['suggestions.id'],
                                name=op.f('fk_question_options_suggestion_id_suggestions'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_question_options')))
    op.create_index(op.f('ix_question_options_question_id'), 'question_options', ['question_id'])

    op.create_table(
        'answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('workshop_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('participant_id', sa.Integer(), nullable=False),
        sa.Column('other_text', sa.Text(), nullable=False),
        sa.Column('other_status', sa.String(length=16), nullable=False),
        sa.Column('client_id', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['participant_id'], ['participants.id'],
                                name=op.f('fk_answers_participant_id_participants'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['question_id'], ['questions.id'],
                                name=op.f('fk_answers_question_id_questions'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'],
                                name=op.f('fk_answers_workshop_id_workshops'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_answers')),
        sa.UniqueConstraint('question_id', 'participant_id', name=op.f('uq_answers_question_id_participant_id')))
    op.create_index(op.f('ix_answers_participant_id'), 'answers', ['participant_id'])
    op.create_index(op.f('ix_answers_workshop_id'), 'answers', ['workshop_id'])

    op.create_table(
        'answer_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('answer_id', sa.Integer(), nullable=False),
        sa.Column('option_id', sa.Integer(), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['answer_id'], ['answers.id'],
                                name=op.f('fk_answer_items_answer_id_answers'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['option_id'], ['question_options.id'],
                                name=op.f('fk_answer_items_option_id_question_options'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_items')),
        sa.UniqueConstraint('answer_id', 'option_id', name=op.f('uq_answer_items_answer_id_option_id')))
    op.create_index(op.f('ix_answer_items_option_id'), 'answer_items', ['option_id'])


def downgrade():
    op.drop_index(op.f('ix_answer_items_option_id'), table_name='answer_items')
    op.drop_table('answer_items')
    op.drop_index(op.f('ix_answers_workshop_id'), table_name='answers')
    op.drop_index(op.f('ix_answers_participant_id'), table_name='answers')
    op.drop_table('answers')
    op.drop_index(op.f('ix_question_options_question_id'), table_name='question_options')
    op.drop_table('question_options')
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.drop_column('answered_at')
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_questions_kind'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_questions_ranking_source_id_questions'), type_='foreignkey')
        for column in ('premoderated', 'ranking_source_id', 'high_label', 'low_label', 'scale_max', 'scale_min',
                       'allow_other', 'max_choices', 'multiple', 'kind'):
            batch_op.drop_column(column)
