"""agent profile: a short description and a photo for the booking page

Revision ID: b4c5d6e7f8a9
Revises: a3b4c5d6e7f8
Create Date: 2026-11-25 23:20:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = 'b4c5d6e7f8a9'
down_revision: Union[str, Sequence[str], None] = 'a3b4c5d6e7f8'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False,
                                   server_default=''))
        batch.add_column(sa.Column('photo_version', sa.Integer(), nullable=False, server_default='0'))
    op.create_table(
        'agent_photos',
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('agent_photos')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('photo_version')
        batch.drop_column('description')
