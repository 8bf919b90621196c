"""paged pages: portfolio version, stored duplicate scans, indexes the paged queries use

Revision ID: c15a0f1e2d3b
Revises: ab58b8f072c9
Create Date: 2026-12-02 04:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'c15a0f1e2d3b'
down_revision = 'ab58b8f072c9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'portfolio_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_table(
        'duplicate_scan',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('started_by', sa.String(length=128), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('threshold', sa.Float(), nullable=True),
        sa.Column('projects', sa.Integer(), nullable=False),
        sa.Column('pairs', sa.Integer(), nullable=False),
        sa.Column('guard_version', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id'))
    op.create_table(
        'duplicate_pair',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scan_id', sa.Integer(), nullable=False),
        sa.Column('a_id', sa.Integer(), nullable=False),
        sa.Column('b_id', sa.Integer(), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('reasons', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['scan_id'], ['duplicate_scan.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['a_id'], ['project.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['b_id'], ['project.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_duplicate_pair_scan_score', 'duplicate_pair', ['scan_id', 'score'])
    op.create_index(op.f('ix_duplicate_pair_a_id'), 'duplicate_pair', ['a_id'])
    op.create_index(op.f('ix_duplicate_pair_b_id'), 'duplicate_pair', ['b_id'])
    op.create_table(
        'job',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Column('result_path', sa.String(length=500), nullable=True),
        sa.Column('result_name', sa.String(length=200), nullable=True),
        sa.Column('created_by', sa.String(length=128), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'))
    op.create_index(op.f('ix_job_kind'), 'job', ['kind'])
    # the review queue: waiting projects oldest first
    op.create_index('ix_project_status_submitted', 'project', ['status', 'submitted_at'])
    # overdue milestones: open ones by planned date
    op.create_index('ix_milestone_planned_status', 'milestone', ['planned_date', 'status'])


def downgrade():
    op.drop_index('ix_milestone_planned_status', table_name='milestone')
    op.drop_index('ix_project_status_submitted', table_name='project')
    op.drop_index(op.f('ix_duplicate_pair_b_id'), table_name='duplicate_pair')
    op.drop_index(op.f('ix_duplicate_pair_a_id'), table_name='duplicate_pair')
    op.drop_index('ix_duplicate_pair_scan_score', table_name='duplicate_pair')
    op.drop_table('duplicate_pair')
    op.drop_table('duplicate_scan')
    op.drop_table('portfolio_version')
    op.drop_index(op.f('ix_job_kind'), table_name='job')
    op.drop_table('job')
