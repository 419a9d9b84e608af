"""notices to one staff member (a colleague took over their case), shown until dismissed

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("dismissed_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_staff_notice_case_id_case"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_staff_notice_staff_id_staff"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_notice")),
    )
    op.create_index("ix_staff_notice_staff_id_dismissed_at", "staff_notice", ["staff_id", "dismissed_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_staff_notice_staff_id_dismissed_at", table_name="staff_notice")
    op.drop_table("staff_notice")
