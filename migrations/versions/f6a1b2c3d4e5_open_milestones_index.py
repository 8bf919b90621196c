"""open milestones by status, then planned date: the overdue list reads two short index ranges
(was: the planned-date index walked every milestone done before the first open one)

Revision ID: f6a1b2c3d4e5
Revises: e5c3f7a2b9d1
Create Date: 2026-12-02 15:00:00
"""
from alembic import op

revision = 'f6a1b2c3d4e5'
down_revision = 'e5c3f7a2b9d1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_milestone_status_planned', 'milestone', ['status', 'planned_date'])
    op.drop_index('ix_milestone_planned_status', table_name='milestone')
    op.drop_index('ix_milestone_planned_date', table_name='milestone')
    op.drop_index('ix_milestone_status', table_name='milestone')


def downgrade():
    op.create_index('ix_milestone_status', 'milestone', ['status'])
    op.create_index('ix_milestone_planned_date', 'milestone', ['planned_date'])
    op.create_index('ix_milestone_planned_status', 'milestone', ['planned_date', 'status'])
    op.drop_index('ix_milestone_status_planned', table_name='milestone')
