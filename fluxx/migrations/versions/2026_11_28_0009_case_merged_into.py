"""a case merged into another case of the same family (repeat callers)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_case_merged_into_id_case"), "case", ["merged_into_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_case_merged_into_id"), ["merged_into_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_merged_into_id"))
        batch_op.drop_constraint(batch_op.f("fk_case_merged_into_id_case"), type_="foreignkey")
        batch_op.drop_column("merged_into_id")
