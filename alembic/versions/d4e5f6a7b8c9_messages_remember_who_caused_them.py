"""messages remember who caused them (a notice of the agent's own action is not unread for them)

Revision ID: d4e5f6a7b8c9
Revises: c7d1e2f3a4b5
Create Date: 2026-11-25 17:30:00

"""
from typing import Sequence, Union

import sqlalchemy as sa

from alembic import op

revision: str = 'd4e5f6a7b8c9'
down_revision: Union[str, Sequence[str], None] = 'c7d1e2f3a4b5'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('caused_by', sa.String(length=16), nullable=False, server_default='system'))
    messages = sa.table('messages', sa.column('id', sa.Integer), sa.column('author', sa.String),
                        sa.column('caused_by', sa.String), sa.column('notice', sa.JSON))
    conn = op.get_bind()
    conn.execute(messages.update().where(messages.c.author != 'system').values(caused_by=messages.c.author))
    for row in conn.execute(sa.select(messages.c.id, messages.c.notice).where(messages.c.author == 'system')):
        by = (row.notice or {}).get('by', 'system')
        if by in ('guest', 'agent'):
            conn.execute(messages.update().where(messages.c.id == row.id).values(caused_by=by))


def downgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('caused_by')
