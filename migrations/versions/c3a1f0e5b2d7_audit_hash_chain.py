"""harden: audit hash chain and append-only triggers; session epoch of users

Revision ID: c3a1f0e5b2d7
Revises: 5ca643dcbfea
Create Date: 2026-12-02 04:10:00

Existing events are chained in id order, then the triggers refuse UPDATE and DELETE on
audit_event (and TRUNCATE on PostgreSQL).
"""
from alembic import op
import sqlalchemy as sa


revision = 'c3a1f0e5b2d7'
down_revision = '5ca643dcbfea'
branch_labels = None
depends_on = None


def upgrade():
    from core.auditchain import CONTENT, GENESIS, create_guard, event_hash

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_audit_event_seq', ['seq'])
    op.create_table('audit_chain_head',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('seq', sa.BigInteger(), nullable=False),
                    sa.Column('hash', sa.String(length=64), nullable=False),
                    sa.PrimaryKeyConstraint('id'))
    conn = op.get_bind()
    event = sa.table('audit_event', sa.column('id'), *(sa.column(c) for c in CONTENT if c != 'seq'),
                     sa.column('seq'), sa.column('prev_hash'), sa.column('hash'))
    seq, prev = 0, GENESIS
    rows = conn.execute(sa.select(event).order_by(event.c.id)).mappings().all()
    for row in rows:
        seq += 1
        row = dict(row, seq=seq)
        digest = event_hash(prev, row)
        conn.execute(event.update().where(event.c.id == row['id']).values(
            seq=seq, prev_hash=prev, hash=digest))
        prev = digest
    conn.execute(sa.text("INSERT INTO audit_chain_head (id, seq, hash) VALUES (1, :seq, :hash)"),
                 {"seq": seq, "hash": prev})
    create_guard(conn)
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade():
    from core.auditchain import drop_guard

    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.drop_column('session_epoch')
    drop_guard(op.get_bind())
    op.drop_table('audit_chain_head')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_constraint('uq_audit_event_seq', type_='unique')
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('seq')
