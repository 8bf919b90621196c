"""API tokens that end: logins revoked at logout, the users' token epoch (password change,
deactivation)

Revision ID: e5c3f7a2b9d1
Revises: d4b2e6f1a3c8
Create Date: 2026-12-02 08:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'e5c3f7a2b9d1'
down_revision = 'd4b2e6f1a3c8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'api_login_revoked',
        sa.Column('sid', sa.String(length=32), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('revoked_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('sid'))
    op.create_index('ix_api_login_revoked_expires_at', 'api_login_revoked', ['expires_at'])
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_epoch', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade():
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.drop_column('token_epoch')
    op.drop_index('ix_api_login_revoked_expires_at', table_name='api_login_revoked')
    op.drop_table('api_login_revoked')
