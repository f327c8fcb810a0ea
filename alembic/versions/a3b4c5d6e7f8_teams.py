"""teams: team booking pages, their members, the team a meeting was booked with, collective hosts

Revision ID: a3b4c5d6e7f8
Revises: f2a3b4c5d6e7
Create Date: 2026-11-25 20:40:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel

import kite_app.persistence.types  # noqa: F401
from alembic import op

revision: str = 'a3b4c5d6e7f8'
down_revision: Union[str, Sequence[str], None] = 'f2a3b4c5d6e7'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'teams',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('created_at', kite_app.persistence.types.UTCDateTime(), nullable=False),
        sa.Column('updated_at', kite_app.persistence.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('slug'),
    )
    op.create_table(
        'team_members',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=False),
        sa.Column('weight', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['agent_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_team_members_team_id', 'team_members', ['team_id'])
    op.create_index('ix_team_members_agent_id', 'team_members', ['agent_id'])
    # A plain ADD COLUMN (SQLite keeps the meetings' overlap triggers; no table copy).
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE meetings ADD COLUMN team_id INTEGER REFERENCES teams(id)')
    else:
        op.add_column('meetings', sa.Column('team_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_meetings_team_id', 'meetings', 'teams', ['team_id'], ['id'])
    op.create_index('ix_meetings_team_id', 'meetings', ['team_id'])
    op.add_column('meetings', sa.Column('host_of', sa.Integer(), nullable=True))
    op.create_index('ix_meetings_host_of', 'meetings', ['host_of'])


def downgrade() -> None:
    op.drop_index('ix_meetings_host_of', table_name='meetings')
    op.drop_index('ix_meetings_team_id', table_name='meetings')
    for column in ('host_of', 'team_id'):
        if op.get_bind().dialect.name == 'sqlite':
            op.execute(f'ALTER TABLE meetings DROP COLUMN {column}')
        else:
            op.drop_column('meetings', column)
    op.drop_index('ix_team_members_agent_id', table_name='team_members')
    op.drop_index('ix_team_members_team_id', table_name='team_members')
    op.drop_table('team_members')
    op.drop_table('teams')
