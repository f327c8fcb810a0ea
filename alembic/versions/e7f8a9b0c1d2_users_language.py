"""admins and agents have a language for their pages and mails ("" until their first login sets it)

Revision ID: e7f8a9b0c1d2
Revises: d6e7f8a9b0c1
Create Date: 2026-11-26 02:30:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = 'e7f8a9b0c1d2'
down_revision: Union[str, Sequence[str], None] = 'd6e7f8a9b0c1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('users', sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False,
                                     server_default=''))


def downgrade() -> None:
    op.drop_column('users', 'language')
