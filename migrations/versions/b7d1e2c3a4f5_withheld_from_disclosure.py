"""project: withheld from public disclosure (不予公开) with a reason

Revision ID: b7d1e2c3a4f5
Revises: b7e1c2d3a4f5
Create Date: 2026-12-02 04:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b7d1e2c3a4f5'
down_revision = 'b7e1c2d3a4f5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('project') as batch:
        batch.add_column(sa.Column('withheld', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column('withheld_reason', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('project') as batch:
        batch.drop_column('withheld_reason')
        batch.drop_column('withheld')
