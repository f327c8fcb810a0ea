"""booking form: questions of an agent's or a team's page; a meeting's answers and campaign tags; one-time links;
held slots

Revision ID: b7c8d9e0f1a2
Revises: 9a1b2c3d4e5f
Create Date: 2026-12-08 01:40:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from kite_app.persistence.types import UTCDateTime

revision: str = 'b7c8d9e0f1a2'
down_revision: Union[str, Sequence[str], None] = '9a1b2c3d4e5f'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('meetings', sa.Column('answers', sa.JSON(), nullable=False, server_default='[]'))
    op.add_column('meetings', sa.Column('utm', sa.JSON(), nullable=False, server_default='{}'))
    op.create_table(
        'booking_forms',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('agent_id', sa.Integer(), sa.ForeignKey('users.id', ondelete='CASCADE'), nullable=True,
                  unique=True),
        sa.Column('team_id', sa.Integer(), sa.ForeignKey('teams.id', ondelete='CASCADE'), nullable=True,
                  unique=True),
        sa.Column('questions', sa.JSON(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
    )
    op.create_table(
        'one_time_links',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('token_hash', sa.String(length=64), nullable=False, unique=True),
        sa.Column('hint', sa.String(length=12), nullable=False),
        sa.Column('agent_id', sa.Integer(), sa.ForeignKey('users.id', ondelete='CASCADE'), nullable=True),
        sa.Column('team_id', sa.Integer(), sa.ForeignKey('teams.id', ondelete='CASCADE'), nullable=True),
        sa.Column('created_by', sa.Integer(), nullable=False),
        sa.Column('duration', sa.Integer(), nullable=True),
        sa.Column('expires_at', UTCDateTime(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('used_at', UTCDateTime(), nullable=True),
        sa.Column('meeting_id', sa.Integer(), sa.ForeignKey('meetings.id', ondelete='SET NULL'), nullable=True),
        sa.Column('revoked_at', UTCDateTime(), nullable=True),
    )
    op.create_index('ix_one_time_links_agent_id', 'one_time_links', ['agent_id'])
    op.create_index('ix_one_time_links_team_id', 'one_time_links', ['team_id'])
    op.create_table(
        'slot_holds',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('holder', sa.String(length=64), nullable=False),
        sa.Column('client', sa.String(length=64), nullable=False),
        sa.Column('agent_id', sa.Integer(), sa.ForeignKey('users.id', ondelete='CASCADE'), nullable=False),
        sa.Column('team_id', sa.Integer(), sa.ForeignKey('teams.id', ondelete='CASCADE'), nullable=True),
        sa.Column('starts_at', UTCDateTime(), nullable=False),
        sa.Column('ends_at', UTCDateTime(), nullable=False),
        sa.Column('expires_at', UTCDateTime(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
    )
    op.create_index('ix_slot_holds_holder', 'slot_holds', ['holder'])
    op.create_index('ix_slot_holds_expires_at', 'slot_holds', ['expires_at'])
    op.create_index('ix_slot_holds_agent_start', 'slot_holds', ['agent_id', 'starts_at'])


def downgrade() -> None:
    op.drop_table('slot_holds')
    op.drop_table('one_time_links')
    op.drop_table('booking_forms')
    op.drop_column('meetings', 'utm')
    op.drop_column('meetings', 'answers')
