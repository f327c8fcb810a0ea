"""booking form: questions of an agent's or a team's page; a meeting's answers and campaign tags

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


def downgrade() -> None:
    op.drop_table('booking_forms')
    op.drop_column('meetings', 'utm')
    op.drop_column('meetings', 'answers')
