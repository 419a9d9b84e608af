"""Volunteers: when the retention purge or an erasure request removed their personal data

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 20:22:44
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db


revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE (SQLite 3.35+ drops a column in place), not batch mode: batch mode copies the volunteer table
# and drops the old one, which deletes the volunteers' skills, areas and certificates (ON DELETE CASCADE); see 0005.
def upgrade() -> None:
    op.add_column('volunteer', sa.Column('anonymised_at', core.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('volunteer', 'anonymised_at')
