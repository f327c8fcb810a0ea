"""meeting links: a meeting's video link and Google Meet conference, an agent's own video room, app settings

Revision ID: c5d6e7f8a9b0
Revises: b4c5d6e7f8a9
Create Date: 2026-11-26 00:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel

import kite_app.persistence.types  # noqa: F401
from alembic import op

revision: str = 'c5d6e7f8a9b0'
down_revision: Union[str, Sequence[str], None] = 'b4c5d6e7f8a9'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # plain ADD COLUMN (not a batch copy of the table: on SQLite that would rewrite its foreign keys)
    op.add_column('meetings', sa.Column('meeting_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False,
                                        server_default=''))
    op.add_column('meetings', sa.Column('conference', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                        server_default=''))
    op.add_column('users', sa.Column('video_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False,
                                     server_default=''))
    op.create_table(
        'app_settings',
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), primary_key=True),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('updated_at', kite_app.persistence.types.UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('app_settings')
    op.drop_column('users', 'video_url')
    op.drop_column('meetings', 'conference')
    op.drop_column('meetings', 'meeting_url')
