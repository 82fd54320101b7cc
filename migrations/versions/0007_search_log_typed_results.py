"""The search log keeps what a query as typed found when its results were shown corrected.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 00:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('search_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('typed_results', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('search_log', schema=None) as batch_op:
        batch_op.drop_column('typed_results')
