"""The search log: searches and opened results, without any user identity.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 21:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_log',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('query', sa.String(length=500), nullable=False),
    sa.Column('filters', sa.String(length=500), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=True),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('page', sa.Integer(), nullable=False),
    sa.Column('results', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('search_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_log_query'), ['query'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_log_area'), ['area'], unique=False)

    op.create_table('search_clicks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('search_id', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('doc', sa.String(length=600), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('search_clicks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_clicks_search_id'), ['search_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_clicks_at'), ['at'], unique=False)


def downgrade():
    with op.batch_alter_table('search_clicks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_clicks_at'))
        batch_op.drop_index(batch_op.f('ix_search_clicks_search_id'))

    op.drop_table('search_clicks')
    with op.batch_alter_table('search_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_log_area'))
        batch_op.drop_index(batch_op.f('ix_search_log_query'))
        batch_op.drop_index(batch_op.f('ix_search_log_at'))

    op.drop_table('search_log')
