"""PostgreSQL: the database refuses overlapping live meetings of an agent (exclusion constraint)

Revision ID: c7d1e2f3a4b5
Revises: a0f399c8a0b9
Create Date: 2026-11-23 21:35:00

"""
from typing import Sequence, Union

from alembic import op

# revision identifiers, used by Alembic.
revision: str = 'c7d1e2f3a4b5'
down_revision: Union[str, Sequence[str], None] = 'a0f399c8a0b9'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """On PostgreSQL the same guarantee the SQLite triggers give: no two live meetings of an agent
    overlap, exactly or partly (half-open ranges, so back-to-back meetings are fine)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.execute(
        "ALTER TABLE meetings ADD CONSTRAINT meetings_no_overlap EXCLUDE USING gist "
        "(agent_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
        "WHERE (status IN ('pending', 'confirmed'))"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE meetings DROP CONSTRAINT IF EXISTS meetings_no_overlap")
