"""meetings remember the guest's language (their mails, notices and .ics texts)

Revision ID: d6e7f8a9b0c1
Revises: c5d6e7f8a9b0
Create Date: 2026-11-26 00:40:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = 'd6e7f8a9b0c1'
down_revision: Union[str, Sequence[str], None] = 'c5d6e7f8a9b0'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('meetings', sa.Column('guest_language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False,
                                        server_default='en'))


def downgrade() -> None:
    op.drop_column('meetings', 'guest_language')
