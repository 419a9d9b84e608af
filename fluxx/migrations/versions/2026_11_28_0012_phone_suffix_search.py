"""search a case by the last digits of a number: the caller's digits stored reversed, indexed

A search for the end of a number ("23456789" for +4915123456789) cannot use the prefix index on
caller_phone. The digits in reverse order turn it into a prefix search (`98765432%`) that an index
serves with a million cases, on SQLite as on PostgreSQL (varchar_pattern_ops, whatever the collation).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 19:00:00
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5_000


def _fill_existing() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            "UPDATE \"case\" SET caller_phone_reversed = NULLIF(reverse(regexp_replace(caller_phone, '\\D', '', 'g')), '') "
            "WHERE caller_phone IS NOT NULL"
        )
        return
    case = sa.table("case", sa.column("id", sa.Integer), sa.column("caller_phone", sa.String),
                    sa.column("caller_phone_reversed", sa.String))  # fmt: skip
    last_id = 0
    while True:
        rows = bind.execute(
            sa.select(case.c.id, case.c.caller_phone)
            .where(case.c.caller_phone.is_not(None), case.c.id > last_id)
            .order_by(case.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        bind.execute(
            case.update().where(case.c.id == sa.bindparam("row_id")).values(caller_phone_reversed=sa.bindparam("rev")),
            [{"row_id": row.id, "rev": re.sub(r"\D", "", row.caller_phone)[::-1] or None} for row in rows],
        )
        last_id = rows[-1].id


def upgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("caller_phone_reversed", sa.String(length=20), nullable=True))
    _fill_existing()
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.create_index(
            "ix_case_caller_phone_reversed", ["caller_phone_reversed"], unique=False,
            postgresql_ops={"caller_phone_reversed": "varchar_pattern_ops"},
        )


def downgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index("ix_case_caller_phone_reversed")
        batch_op.drop_column("caller_phone_reversed")
