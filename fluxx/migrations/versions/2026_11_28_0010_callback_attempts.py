"""call-back attempts: who called a family back, when, and how it went

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "callback_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_callback_attempt_case_id_case"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_callback_attempt_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_attempt")),
    )
    op.create_index("ix_callback_attempt_case_id_at", "callback_attempt", ["case_id", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_callback_attempt_case_id_at", table_name="callback_attempt")
    op.drop_table("callback_attempt")
