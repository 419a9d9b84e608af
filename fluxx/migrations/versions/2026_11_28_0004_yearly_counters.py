"""running numbers of cases and bills come from a counter row per kind and year

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "yearly_counter",
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "year", name=op.f("pk_yearly_counter")),
    )
    # Carry on from the numbers already handed out.
    op.execute(
        'INSERT INTO yearly_counter (scope, year, last_value) SELECT \'case\', year, max(seq) FROM "case" GROUP BY year'
    )
    op.execute(
        "INSERT INTO yearly_counter (scope, year, last_value) SELECT 'bill', year, max(seq) FROM bill GROUP BY year"
    )


def downgrade() -> None:
    op.drop_table("yearly_counter")
