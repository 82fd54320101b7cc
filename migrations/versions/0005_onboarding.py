"""Onboarding: the date each user started each path (issue 22).

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-07 23:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0003'
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


def downgrade():
    op.drop_table('path_starts')
