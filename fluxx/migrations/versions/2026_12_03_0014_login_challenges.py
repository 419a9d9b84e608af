"""login confirmation codes for new addresses of an attacked account; the kind of a login failure

A staff member whose account is being guessed from elsewhere is no longer refused at a new address: she
confirms the login with a code sent by SMS (`login_challenge`). Failed logins now say what failed
(`login_failure.kind`), so throttled attempts are recorded too. E-mail addresses stored whole by earlier
versions (a 200,000-character "address" on SQLite) are cut to the column's 254 characters.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE login_failure SET email = substr(email, 1, 254) WHERE length(email) > 254")
    with op.batch_alter_table("login_failure", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=32), nullable=False, server_default="password"))
    with op.batch_alter_table("login_failure", schema=None) as batch_op:
        batch_op.alter_column("kind", server_default=None)
    op.create_table(
        "login_challenge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_login_challenge_staff_id_staff"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_challenge")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_login_challenge_token_hash")),
    )
    op.create_index("ix_login_challenge_email_created_at", "login_challenge", ["email", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_login_challenge_email_created_at", table_name="login_challenge")
    op.drop_table("login_challenge")
    with op.batch_alter_table("login_failure", schema=None) as batch_op:
        batch_op.drop_column("kind")
