"""Account links: an admin's choice of the directory person an account is (or none).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 22:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('account_links',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.String(length=200), nullable=True),
    sa.Column('set_by', sa.String(length=254), nullable=False),
    sa.Column('set_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id')
    )
    with op.batch_alter_table('account_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_links_person_id'), ['person_id'], unique=False)


def downgrade():
    with op.batch_alter_table('account_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_links_person_id'))

    op.drop_table('account_links')
