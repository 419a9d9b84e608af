"""assignments: how they came about and ended (source, by whom, why, a volunteer's withdrawal), and the
family's consent to an SMS when a carer is coming

Every new column is nullable or has a server default, so it is added in place. SQLite adds a column
with a REFERENCES clause in place too, but Alembic would send a separate ALTER … ADD CONSTRAINT, which
SQLite lacks; there the clause is written inline. SQLite cannot drop a column that is part of a foreign
key, so the downgrade copies the table there (batch mode).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAFF_COLUMNS = ("assigned_by_id", "released_by_id")


def upgrade() -> None:
    # Assignments made before this revision all came from an SMS yes.
    op.add_column("assignment", sa.Column("source", sa.String(length=32), nullable=False, server_default="sms"))
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name in STAFF_COLUMNS:
        if sqlite:
            op.execute(f"ALTER TABLE assignment ADD COLUMN {name} INTEGER REFERENCES staff (id)")
        else:
            op.add_column("assignment", sa.Column(name, sa.Integer(), nullable=True))
            op.create_foreign_key(op.f(f"fk_assignment_{name}_staff"), "assignment", "staff", [name], ["id"])
    op.add_column("assignment", sa.Column("release_reason", sa.String(length=200), nullable=True))
    op.add_column("assignment", sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("case", sa.Column("sms_consent", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("case", "sms_consent")
    op.drop_column("assignment", "withdrawn_at")
    op.drop_column("assignment", "release_reason")
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("assignment") as batch:
            for name in reversed(STAFF_COLUMNS):
                batch.drop_column(name)
    else:
        for name in reversed(STAFF_COLUMNS):
            op.drop_constraint(op.f(f"fk_assignment_{name}_staff"), "assignment", type_="foreignkey")
            op.drop_column("assignment", name)
    op.drop_column("assignment", "source")
