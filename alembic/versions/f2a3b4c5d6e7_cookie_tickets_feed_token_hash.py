"""cookie tickets (HttpOnly cookies set over HTTP), feed addresses looked up by their hash

Revision ID: f2a3b4c5d6e7
Revises: e1f2a3b4c5d6
Create Date: 2026-11-25 20:10:00

"""
import hashlib
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel

import kite_app.persistence.types  # noqa: F401
from alembic import op

revision: str = 'f2a3b4c5d6e7'
down_revision: Union[str, Sequence[str], None] = 'e1f2a3b4c5d6'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'cookie_tickets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('sealed_value', sqlmodel.sql.sqltypes.AutoString(length=8000), nullable=False),
        sa.Column('max_age', sa.Integer(), nullable=False),
        sa.Column('expires_at', kite_app.persistence.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('ticket_hash'),
    )
    op.create_index('ix_cookie_tickets_expires_at', 'cookie_tickets', ['expires_at'])

    op.add_column('calendar_settings',
                  sa.Column('feed_token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.text('SELECT id, feed_token FROM calendar_settings')).all()
    for row_id, token in rows:
        conn.execute(sa.text('UPDATE calendar_settings SET feed_token_hash = :h WHERE id = :id'),
                     {'h': hashlib.sha256(token.encode()).hexdigest(), 'id': row_id})
    with op.batch_alter_table('calendar_settings') as batch:
        batch.alter_column('feed_token_hash', existing_type=sqlmodel.sql.sqltypes.AutoString(length=64),
                           nullable=False)
        batch.create_unique_constraint('uq_calendar_settings_feed_token_hash', ['feed_token_hash'])


def downgrade() -> None:
    with op.batch_alter_table('calendar_settings') as batch:
        batch.drop_constraint('uq_calendar_settings_feed_token_hash', type_='unique')
        batch.drop_column('feed_token_hash')
    op.drop_index('ix_cookie_tickets_expires_at', table_name='cookie_tickets')
    op.drop_table('cookie_tickets')
