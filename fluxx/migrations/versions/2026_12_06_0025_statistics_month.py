"""statistics month: the statistics kept per local month, and triggers that mark a month changed

The statistics page counted twelve years of cases, jobs, assignments and hours on every view (8 s over a million
cases). `statistics_month` keeps each past month's figures as counted (`reporting.statistics.months`). Triggers
on every table a figure reads add one to the month's `changes` when a row of it is written, in the writer's own
transaction, so kept figures are used only while nothing in their month changed since, whoever wrote: the web
app, the worker, the CLI, an import or the retention purge. A month gets its row only once it has ended (the
current month is counted live), so the hotline's writes to the current month touch no row of this table.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 01:20:00.000000
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0025'
down_revision: str | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Per table: the columns a figure reads (an update of any other column changes no month), the instants whose
# months a row of it counts in (as SQL over the row `r`), and whether it changes every month (partner windows).
CASE_JOBS = '(SELECT min(starts_at) FROM care_job WHERE case_id = r.id)', '(SELECT max(starts_at) FROM care_job WHERE case_id = r.id)'
TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    'case': (
        ('opened_at', 'merged_into_id', 'channel', 'status', 'need', 'municipality_id', 'partner_id'),
        ('r.opened_at',),
    ),
    'call': (
        ('case_id', 'no_case_reason', 'started_at', 'direction'),
        ('r.started_at', '(SELECT opened_at FROM "case" WHERE id = r.case_id)'),
    ),
    'care_job': (
        ('case_id', 'kind', 'status', 'starts_at', 'ends_at'),
        ('r.starts_at', '(SELECT opened_at FROM "case" WHERE id = r.case_id)'),
    ),
    'assignment': (
        ('job_id', 'status', 'volunteer_id', 'assigned_at'),
        (
            '(SELECT starts_at FROM care_job WHERE id = r.job_id)',
            '(SELECT c.opened_at FROM care_job j JOIN "case" c ON c.id = j.case_id WHERE j.id = r.job_id)',
        ),
    ),
    'hours_report': (
        ('assignment_id', 'status', 'hours'),
        ('(SELECT j.starts_at FROM assignment a JOIN care_job j ON j.id = a.job_id WHERE a.id = r.assignment_id)',),
    ),
    'partner': (('active_from', 'active_until'), ()),
    'municipality': (('partner_from', 'partner_until'), ()),
}


def _bump(table: str, row: str) -> str:
    """The statement that marks the months of `row` (NEW or OLD) changed."""
    _, instants = TABLES[table]
    if not instants:  # a partner window: every month's partner figures may change
        return 'UPDATE statistics_month SET changes = changes + 1'
    terms = [f'(ends_at > {at} AND starts_at <= {at})' for at in instants]
    if table == 'case':  # the case's need, municipality and partner group its jobs' figures too
        first, last = CASE_JOBS
        terms.append(f'(ends_at > {first} AND starts_at <= {last})')
    where = re.sub(r'\br\.', f'{row}.', ' OR '.join(terms))
    return f'UPDATE statistics_month SET changes = changes + 1 WHERE {where}'


def _sqlite() -> list[str]:
    found = []
    for table, (columns, _) in TABLES.items():
        quoted = f'"{table}"'
        changed = ' OR '.join(f'OLD.{c} IS NOT NEW.{c}' for c in columns)
        found += [
            f'CREATE TRIGGER statistics_{table}_insert AFTER INSERT ON {quoted} FOR EACH ROW '
            f'BEGIN {_bump(table, "NEW")}; END',
            f'CREATE TRIGGER statistics_{table}_delete AFTER DELETE ON {quoted} FOR EACH ROW '
            f'BEGIN {_bump(table, "OLD")}; END',
            f'CREATE TRIGGER statistics_{table}_update AFTER UPDATE ON {quoted} FOR EACH ROW WHEN {changed} '
            f'BEGIN {_bump(table, "OLD")}; {_bump(table, "NEW")}; END',
        ]
    return found


def _postgresql() -> list[str]:
    found = []
    for table, (columns, _) in TABLES.items():
        quoted = f'"{table}"'
        changed = ' OR '.join(f'OLD.{c} IS DISTINCT FROM NEW.{c}' for c in columns)
        found += [
            f'CREATE FUNCTION statistics_{table}_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN '
            f"IF TG_OP <> 'INSERT' THEN {_bump(table, 'OLD')}; END IF; "
            f"IF TG_OP <> 'DELETE' THEN {_bump(table, 'NEW')}; END IF; "
            'RETURN NULL; END $$',
            f'CREATE TRIGGER statistics_{table} AFTER INSERT OR DELETE ON {quoted} FOR EACH ROW '
            f'EXECUTE FUNCTION statistics_{table}_changed()',
            f'CREATE TRIGGER statistics_{table}_update AFTER UPDATE ON {quoted} FOR EACH ROW WHEN ({changed}) '
            f'EXECUTE FUNCTION statistics_{table}_changed()',
        ]
    return found


def upgrade() -> None:
    op.create_table('statistics_month',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changes', sa.Integer(), nullable=False),
    sa.Column('counted', sa.Integer(), nullable=True),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=True),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('figures', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('month', name=op.f('pk_statistics_month'))
    )
    with op.batch_alter_table('statistics_month', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statistics_month_ends_at'), ['ends_at'], unique=False)
    with op.batch_alter_table('care_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_job_starts_at'), ['starts_at'], unique=False)
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for statement in _postgresql() if postgresql else _sqlite():
        op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for table in TABLES:
        if postgresql:
            op.execute(f'DROP TRIGGER statistics_{table} ON "{table}"')
            op.execute(f'DROP TRIGGER statistics_{table}_update ON "{table}"')
            op.execute(f'DROP FUNCTION statistics_{table}_changed()')
        else:
            for event in ('insert', 'delete', 'update'):
                op.execute(f'DROP TRIGGER statistics_{table}_{event}')
    with op.batch_alter_table('care_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_care_job_starts_at'))
    with op.batch_alter_table('statistics_month', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statistics_month_ends_at'))
    op.drop_table('statistics_month')
