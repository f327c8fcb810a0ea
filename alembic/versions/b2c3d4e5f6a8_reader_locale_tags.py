"""each reader's date and time conventions: the language tag of an agent's browser (users.locale_tag) and of the
guest's (meetings.guest_locale_tag); "" keeps what mails used before

Revision ID: b2c3d4e5f6a8
Revises: a1b2c3d4e5f7
Create Date: 2026-12-07 13:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = 'b2c3d4e5f6a8'
down_revision: Union[str, Sequence[str], None] = 'a1b2c3d4e5f7'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('users', sa.Column('locale_tag', sqlmodel.sql.sqltypes.AutoString(length=35), nullable=False,
                                     server_default=''))
    op.add_column('meetings', sa.Column('guest_locale_tag', sqlmodel.sql.sqltypes.AutoString(length=35),
                                        nullable=False, server_default=''))


def downgrade() -> None:
    op.drop_column('meetings', 'guest_locale_tag')
    op.drop_column('users', 'locale_tag')
