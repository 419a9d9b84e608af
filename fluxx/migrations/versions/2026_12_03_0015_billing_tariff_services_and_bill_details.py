"""the tariff per service, what a case records for a reduction, what a bill keeps, hours entered as times

Tariff rates name the service they price (care; driving only where an admin sets a rate), so the unique
key becomes (affiliation, service, valid_from); the rates seeded by 0001 are care rates. A case records an
employer that is no partner and the semester of a student's status. A bill keeps the debtor's name and
address as billed, its issue and due date, how it is paid, the bill it corrects, who cancelled it and its
payment; a line its job, day, the volunteer's first name and why its rate applies. Hours entered by staff
as start and end keep both.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 18:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db


revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('bill', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issue_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('due_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('debtor_name', sa.String(length=160), nullable=True))
        batch_op.add_column(sa.Column('debtor_address', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('payment_method', sa.String(length=16), nullable=False, server_default='transfer'))
        batch_op.add_column(sa.Column('corrects_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('cancelled_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('paid_at', core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('paid_amount', sa.Numeric(precision=10, scale=2), nullable=True))
        batch_op.add_column(sa.Column('paid_recorded_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_bill_cancelled_by_id_staff'), 'staff', ['cancelled_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_bill_corrects_id_bill'), 'bill', ['corrects_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_bill_paid_recorded_by_id_staff'), 'staff', ['paid_recorded_by_id'], ['id'])

    with op.batch_alter_table('bill_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('job_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('work_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('volunteer_first_name', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('reason', sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f('ix_bill_line_hours_report_id'), ['hours_report_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_bill_line_job_id_care_job'), 'care_job', ['job_id'], ['id'])

    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('employer_name', sa.String(length=160), nullable=True))
        batch_op.add_column(sa.Column('student_semester', sa.String(length=16), nullable=True))

    with op.batch_alter_table('hours_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('started_at', core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('ended_at', core.db.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('tariff_rate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service', sa.String(length=16), nullable=False, server_default='care'))
        batch_op.add_column(sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_tariff_rate_affiliation_valid_from'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_tariff_rate_affiliation_service_valid_from'), ['affiliation', 'service', 'valid_from'])
        batch_op.create_foreign_key(batch_op.f('fk_tariff_rate_created_by_id_staff'), 'staff', ['created_by_id'], ['id'])

    # The defaults only fill the rows that exist; new rows name their values (the models' defaults).
    with op.batch_alter_table('bill', schema=None) as batch_op:
        batch_op.alter_column('payment_method', server_default=None)
    with op.batch_alter_table('tariff_rate', schema=None) as batch_op:
        batch_op.alter_column('service', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('tariff_rate', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tariff_rate_created_by_id_staff'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_tariff_rate_affiliation_service_valid_from'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_tariff_rate_affiliation_valid_from'), ['affiliation', 'valid_from'])
        batch_op.drop_column('created_by_id')
        batch_op.drop_column('created_at')
        batch_op.drop_column('service')

    with op.batch_alter_table('hours_report', schema=None) as batch_op:
        batch_op.drop_column('ended_at')
        batch_op.drop_column('started_at')

    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_column('student_semester')
        batch_op.drop_column('employer_name')

    with op.batch_alter_table('bill_line', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_bill_line_job_id_care_job'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_bill_line_hours_report_id'))
        batch_op.drop_column('reason')
        batch_op.drop_column('volunteer_first_name')
        batch_op.drop_column('work_date')
        batch_op.drop_column('job_id')

    with op.batch_alter_table('bill', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_bill_paid_recorded_by_id_staff'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_bill_corrects_id_bill'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_bill_cancelled_by_id_staff'), type_='foreignkey')
        batch_op.drop_column('paid_recorded_by_id')
        batch_op.drop_column('paid_amount')
        batch_op.drop_column('paid_at')
        batch_op.drop_column('cancelled_by_id')
        batch_op.drop_column('corrects_id')
        batch_op.drop_column('payment_method')
        batch_op.drop_column('debtor_address')
        batch_op.drop_column('debtor_name')
        batch_op.drop_column('due_date')
        batch_op.drop_column('issue_date')

