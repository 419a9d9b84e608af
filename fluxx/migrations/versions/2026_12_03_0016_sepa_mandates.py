"""SEPA direct-debit mandates of families: holder, IBAN, mandate reference, date of signature

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 19:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db


revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('sepa_mandate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('holder', sa.String(length=70), nullable=False),
    sa.Column('iban', sa.String(length=34), nullable=False),
    sa.Column('bic', sa.String(length=11), nullable=True),
    sa.Column('reference', sa.String(length=35), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_sepa_mandate_case_id_case')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff.id'], name=op.f('fk_sepa_mandate_created_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sepa_mandate')),
    sa.UniqueConstraint('reference', name=op.f('uq_sepa_mandate_reference'))
    )
    with op.batch_alter_table('sepa_mandate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sepa_mandate_case_id'), ['case_id'], unique=False)
    with op.batch_alter_table('bill', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mandate_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_bill_mandate_id_sepa_mandate'), 'sepa_mandate', ['mandate_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('bill', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_bill_mandate_id_sepa_mandate'), type_='foreignkey')
        batch_op.drop_column('mandate_id')
    with op.batch_alter_table('sepa_mandate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sepa_mandate_case_id'))

    op.drop_table('sepa_mandate')
