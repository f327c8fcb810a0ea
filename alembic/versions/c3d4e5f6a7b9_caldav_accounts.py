"""CalDAV accounts: an agent's logins on CalDAV servers (password encrypted), whose calendars block availability
and hold meetings

Revision ID: c3d4e5f6a7b9
Revises: b2c3d4e5f6a8
Create Date: 2026-12-07 16:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel

import kite_app.persistence.types

from alembic import op

revision: str = 'c3d4e5f6a7b9'
down_revision: Union[str, Sequence[str], None] = 'b2c3d4e5f6a8'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'caldav_accounts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=False),
        sa.Column('server_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column('sealed_password', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('principal_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('home_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('addresses', sa.JSON(), nullable=False),
        sa.Column('calendars', sa.JSON(), nullable=False),
        sa.Column('auth_type', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('created_at', kite_app.persistence.types.UTCDateTime(), nullable=False),
        sa.Column('checked_at', kite_app.persistence.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['agent_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_caldav_accounts_agent_id'), 'caldav_accounts', ['agent_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_caldav_accounts_agent_id'), table_name='caldav_accounts')
    op.drop_table('caldav_accounts')
