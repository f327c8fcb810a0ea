"""manage links keep only their hash: one row per link sent (meeting_links), no plain tokens

Revision ID: e1f2a3b4c5d6
Revises: d4e5f6a7b8c9
Create Date: 2026-11-25 18:40:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel

import kite_app.persistence.types  # noqa: F401
from alembic import op

revision: str = 'e1f2a3b4c5d6'
down_revision: Union[str, Sequence[str], None] = 'd4e5f6a7b8c9'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _drop_column(table: str, column: str) -> None:
    # SQLite (3.35+) drops a column in place; a batch copy would drop the overlap triggers of meetings.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
    else:
        op.drop_column(table, column)


def upgrade() -> None:
    op.create_table(
        'meeting_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('created_at', kite_app.persistence.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index(op.f('ix_meeting_links_meeting_id'), 'meeting_links', ['meeting_id'], unique=False)
    op.execute("INSERT INTO meeting_links (meeting_id, token_hash, created_at) "
               "SELECT id, manage_token_hash, created_at FROM meetings WHERE manage_token_hash IS NOT NULL")
    op.drop_index('uq_meetings_manage_token_hash', table_name='meetings')
    _drop_column('meetings', 'manage_token_hash')
    _drop_column('meetings', 'manage_token')
    _drop_column('idempotency_keys', 'manage_token')


def downgrade() -> None:
    # The plain tokens are gone for good: links keep working only through their hash.
    op.add_column('idempotency_keys', sa.Column('manage_token', sqlmodel.sql.sqltypes.AutoString(length=64),
                                                nullable=False, server_default=''))
    op.add_column('meetings', sa.Column('manage_token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    op.add_column('meetings', sa.Column('manage_token_hash', sqlmodel.sql.sqltypes.AutoString(length=64),
                                        nullable=True))
    op.execute("UPDATE meetings SET manage_token_hash = (SELECT token_hash FROM meeting_links "
               "WHERE meeting_links.meeting_id = meetings.id ORDER BY meeting_links.id LIMIT 1)")
    op.create_index('uq_meetings_manage_token_hash', 'meetings', ['manage_token_hash'], unique=True)
    op.drop_index(op.f('ix_meeting_links_meeting_id'), table_name='meeting_links')
    op.drop_table('meeting_links')
