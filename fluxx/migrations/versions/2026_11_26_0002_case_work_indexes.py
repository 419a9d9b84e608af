"""case work indexes: search by phone and name prefix, list filters, calls of today

Revision ID: 0002case
Revises: 0001
Create Date: 2026-11-26 10:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0002case'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.create_index(
            'ix_case_caller_phone_opened_at', ['caller_phone', 'opened_at'], unique=False,
            postgresql_ops={'caller_phone': 'varchar_pattern_ops'},
        )
        batch_op.create_index(
            'ix_case_caller_name_search_pattern', ['caller_name_search'], unique=False,
            postgresql_ops={'caller_name_search': 'varchar_pattern_ops'},
        )
        batch_op.create_index('ix_case_callback_needed_opened_at', ['callback_needed', 'opened_at'], unique=False)
        batch_op.create_index('ix_case_counsellor_id_opened_at', ['counsellor_id', 'opened_at'], unique=False)
        batch_op.create_index('ix_case_municipality_id_opened_at', ['municipality_id', 'opened_at'], unique=False)
        batch_op.create_index('ix_case_need_opened_at', ['need', 'opened_at'], unique=False)
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.create_index('ix_call_started_at', ['started_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_index('ix_call_started_at')
    with op.batch_alter_table('case', schema=None) as batch_op:
        for name in (
            'ix_case_need_opened_at', 'ix_case_municipality_id_opened_at', 'ix_case_counsellor_id_opened_at',
            'ix_case_callback_needed_opened_at', 'ix_case_caller_name_search_pattern',
            'ix_case_caller_phone_opened_at',
        ):
            batch_op.drop_index(name)
