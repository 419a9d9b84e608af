"""Late yeses kept on their job ("Spätere Zusagen"); on the assignment, the withdrawal SMS and when staff told the family

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 20:23:57
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db


revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('late_yes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('said_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('code_given', sa.String(length=8), nullable=True),
    sa.Column('asked_again_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['job_id'], ['care_job.id'], name=op.f('fk_late_yes_job_id_care_job')),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], name=op.f('fk_late_yes_message_id_message')),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_late_yes_volunteer_id_volunteer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_late_yes')),
    sa.UniqueConstraint('job_id', 'volunteer_id', name=op.f('uq_late_yes_job_id_volunteer_id'))
    )
    with op.batch_alter_table('late_yes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_late_yes_job_id'), ['job_id'], unique=False)

    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawal_message_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('family_informed_at', core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('family_informed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_assignment_withdrawal_message_id_message'), 'message', ['withdrawal_message_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_assignment_family_informed_by_id_staff'), 'staff', ['family_informed_by_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_assignment_family_informed_by_id_staff'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_assignment_withdrawal_message_id_message'), type_='foreignkey')
        batch_op.drop_column('family_informed_by_id')
        batch_op.drop_column('family_informed_at')
        batch_op.drop_column('withdrawal_message_id')

    with op.batch_alter_table('late_yes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_late_yes_job_id'))

    op.drop_table('late_yes')
