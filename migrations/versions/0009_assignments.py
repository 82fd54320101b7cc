"""Assignments and supervisors: who supervises whom, and paths assigned with a due date (issue 22).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 01:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('supervisions',
    sa.Column('supervisor_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('set_by', sa.String(length=254), nullable=False),
    sa.Column('set_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['supervisor_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('supervisor_id', 'user_id')
    )
    with op.batch_alter_table('supervisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervisions_user_id'), ['user_id'], unique=False)
    op.create_table('path_assignments',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('path_id', sa.String(length=200), nullable=False),
    sa.Column('due', sa.Date(), nullable=True),
    sa.Column('assigned_by', sa.String(length=254), nullable=False),
    sa.Column('assigned_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'path_id')
    )
    with op.batch_alter_table('path_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_path_assignments_path_id'), ['path_id'], unique=False)


def downgrade():
    with op.batch_alter_table('path_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_path_assignments_path_id'))
    op.drop_table('path_assignments')
    with op.batch_alter_table('supervisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervisions_user_id'))
    op.drop_table('supervisions')
