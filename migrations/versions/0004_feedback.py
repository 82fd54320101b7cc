"""Feedback: readers' helpful votes and problem reports on articles.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 23:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('feedback_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=500), nullable=False),
    sa.Column('voter', sa.String(length=80), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('helpful', sa.Boolean(), nullable=False),
    sa.Column('comment', sa.String(length=1000), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('slug', 'voter', name='uq_feedback_votes_slug_voter')
    )
    with op.batch_alter_table('feedback_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_votes_slug'), ['slug'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_votes_user_id'), ['user_id'], unique=False)

    op.create_table('feedback_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=500), nullable=False),
    sa.Column('read_commit', sa.String(length=40), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text', sa.String(length=2000), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('handler_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('fix_commit', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['handler_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('feedback_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_reports_slug'), ['slug'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_reports_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_reports_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('feedback_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_reports_user_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_reports_state'))
        batch_op.drop_index(batch_op.f('ix_feedback_reports_slug'))
    op.drop_table('feedback_reports')
    with op.batch_alter_table('feedback_votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_votes_user_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_votes_slug'))
    op.drop_table('feedback_votes')
