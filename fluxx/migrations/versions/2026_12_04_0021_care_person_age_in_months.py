"""care person age in months: babies' ages as staff give them ("4 Monate")

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-04 20:28:39.142577
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0021'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('care_person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('age_months', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('care_person', schema=None) as batch_op:
        batch_op.drop_column('age_months')
