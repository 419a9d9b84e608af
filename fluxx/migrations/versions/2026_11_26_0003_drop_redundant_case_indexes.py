"""drop single-column case indexes that the composite and pattern indexes of 0002 already cover

Revision ID: 0003
Revises: 0002case
Create Date: 2026-11-26 10:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002case"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REDUNDANT = {
    "ix_case_caller_phone": ["caller_phone"],  # covered by ix_case_caller_phone_opened_at
    "ix_case_caller_name_search": ["caller_name_search"],  # covered by ix_case_caller_name_search_pattern
    "ix_case_counsellor_id": ["counsellor_id"],  # covered by ix_case_counsellor_id_opened_at
}


def upgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        for name in REDUNDANT:
            batch_op.drop_index(name)


def downgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        for name, columns in REDUNDANT.items():
            batch_op.create_index(name, columns, unique=False)
