"""outreach: one row per job that is searched for by SMS waves

The worker locks the row before a wave and records `waves_sent` / `last_wave_at` with the offers in
the same transaction, so a wave is never sent twice.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outreach",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("wave_size", sa.Integer(), nullable=False),
        sa.Column("wave_interval_minutes", sa.Integer(), nullable=False),
        sa.Column("stop_before_start_minutes", sa.Integer(), nullable=False),
        sa.Column("max_waves", sa.Integer(), nullable=True),
        sa.Column("waves_sent", sa.Integer(), nullable=False),
        sa.Column("last_wave_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stop_reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["care_job.id"], name=op.f("fk_outreach_job_id_care_job")),
        sa.ForeignKeyConstraint(["started_by_id"], ["staff.id"], name=op.f("fk_outreach_started_by_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach")),
        sa.UniqueConstraint("job_id", name=op.f("uq_outreach_job_id")),
    )


def downgrade() -> None:
    op.drop_table("outreach")
