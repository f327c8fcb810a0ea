"""busy blocks are found by their end: busy time from now on never scans a calendar's past

Revision ID: f8a9b0c1d2e3
Revises: e7f8a9b0c1d2
Create Date: 2026-11-26 06:20:00

"""
from typing import Sequence, Union

from alembic import op

revision: str = 'f8a9b0c1d2e3'
down_revision: Union[str, Sequence[str], None] = 'e7f8a9b0c1d2'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index('ix_busy_blocks_calendar_end', 'busy_blocks', ['calendar_id', 'ends_at'], unique=False)
    op.drop_index('ix_busy_blocks_calendar_start', table_name='busy_blocks')


def downgrade() -> None:
    op.create_index('ix_busy_blocks_calendar_start', 'busy_blocks', ['calendar_id', 'starts_at'], unique=False)
    op.drop_index('ix_busy_blocks_calendar_end', table_name='busy_blocks')
