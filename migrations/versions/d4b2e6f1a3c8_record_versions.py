"""editable records carry a version (SQLAlchemy version_id_col; a stale write is a 409)

Revision ID: d4b2e6f1a3c8
Revises: b7d1e2c3a4f5
Create Date: 2026-12-02 05:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'd4b2e6f1a3c8'
down_revision = 'b7d1e2c3a4f5'
branch_labels = None
depends_on = None

TABLES = ("project", "risk", "milestone", "audit_finding", "funding_line", "data_item")


def upgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entity_version', sa.Integer(), nullable=True))
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False,
                                          server_default='1'))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_column('entity_version')
