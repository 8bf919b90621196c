"""guard: sentence vectors and analysed text stored per project

Revision ID: b7e1c2d3a4f5
Revises: c15a0f1e2d3b
Create Date: 2026-12-02 04:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'b7e1c2d3a4f5'
down_revision = 'c15a0f1e2d3b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'project_vector',
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('text_hash', sa.String(length=40), nullable=False),
        sa.Column('model', sa.String(length=64), nullable=False),
        sa.Column('vectors', sa.LargeBinary(), nullable=False),
        sa.Column('analysis', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['project_id'], ['project.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('project_id'))


def downgrade():
    op.drop_table('project_vector')
