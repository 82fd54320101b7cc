"""Onboarding: when each user started and completed each path, and their knowledge check attempts (issue 22).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 23:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('path_starts',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('path_id', sa.String(length=200), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'path_id')
    )
    op.create_table('check_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('path_id', sa.String(length=200), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('check_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_check_attempts_user_id'), ['user_id'], unique=False)
    op.create_table('path_completions',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('path_id', sa.String(length=200), nullable=False),
    sa.Column('completed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'path_id')
    )


def downgrade():
    op.drop_table('path_completions')
    with op.batch_alter_table('check_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_check_attempts_user_id'))
    op.drop_table('check_attempts')
    op.drop_table('path_starts')
