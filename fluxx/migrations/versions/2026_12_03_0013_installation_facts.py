"""what a database remembers about its installation: e.g. that it once ran with real Twilio credentials

`fluxx demo` refuses a database that has run with real Twilio credentials: `make run` in a production
folder blanks the credentials before it loads the demo data, so the shell alone cannot tell.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "installation_fact",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_installation_fact")),
    )


def downgrade() -> None:
    op.drop_table("installation_fact")
