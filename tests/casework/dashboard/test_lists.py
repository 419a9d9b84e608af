"""What the dashboard's lists and counts hold when there is more than a list shows (casework.dashboard.service).

Several lists come from one statement each (the live part is polled every 3 s, issue 23): the person's own open
cases with the cases without counsellor, and the jobs waiting with those without a carer and those searching.
Each list must still be its own newest (or soonest) LIST_LIMIT entries, never a neighbour's.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import event

from casework.dashboard import service as dashboard
from casework.dashboard.service import LIST_LIMIT
from casework.enums import CaseStatus, JobStatus
from tests.factories import T0, make_call, make_case, make_job, make_staff

BERLIN = ZoneInfo("Europe/Berlin")
MORE = LIST_LIMIT + 5


def test_own_and_unassigned_cases_are_each_the_newest_of_their_own(db):
    me, colleague = make_staff(db), make_staff(db)
    mine, nobodys, theirs = [], [], []
    for n in range(MORE):
        at = T0 + timedelta(minutes=n)
        mine.append(make_case(db, opened_at=at, counsellor_id=me.id))
        nobodys.append(make_case(db, opened_at=at + timedelta(seconds=20)))
        theirs.append(make_case(db, opened_at=at + timedelta(seconds=40), counsellor_id=colleague.id))
    make_case(db, opened_at=T0 + timedelta(hours=5), counsellor_id=me.id, status=CaseStatus.COMPLETED)

    lists = dashboard.lists(db, staff=me, now=T0 + timedelta(hours=6), zone=BERLIN)

    assert [case.id for case in lists.my_cases] == [case.id for case in reversed(mine)][:LIST_LIMIT]
    assert [case.id for case in lists.unassigned] == [case.id for case in reversed(nobodys)][:LIST_LIMIT]
    summary = dashboard.summary(db, staff=me)
    assert (summary.my_open_cases, summary.unassigned_cases) == (MORE, MORE)


def test_jobs_without_carer_and_searching_are_listed_though_many_open_ones_start_sooner(db):
    case = make_case(db)
    starts = T0 + timedelta(days=1)
    sooner = [make_job(db, case, starts_at=starts + timedelta(minutes=n)) for n in range(MORE)]
    later = starts + timedelta(days=3)
    unfilled = [make_job(db, case, starts_at=later + timedelta(minutes=n), status=JobStatus.UNFILLED) for n in range(3)]
    searching = [make_job(db, case, starts_at=later + timedelta(hours=1, minutes=n), status=JobStatus.SEARCHING)
                 for n in range(MORE)]  # fmt: skip
    make_job(db, case, starts_at=starts - timedelta(hours=1), status=JobStatus.FILLED)

    lists = dashboard.lists(db, staff=make_staff(db), now=T0, zone=BERLIN)

    assert [job.id for job in lists.jobs_waiting] == [job.id for job in sooner[:LIST_LIMIT]]
    assert [job.id for job in lists.jobs_unfilled] == [job.id for job in unfilled]
    assert [job.id for job in lists.jobs_searching] == [job.id for job in searching[:LIST_LIMIT]]
    assert {job.case.number for job in lists.jobs_waiting} == {case.number}
    summary = dashboard.summary(db, staff=make_staff(db))
    assert (summary.jobs_waiting, summary.jobs_unfilled) == (2 * MORE + 3, 3)


def test_a_soon_job_without_carer_is_in_both_lists(db):
    case = make_case(db)
    job = make_job(db, case, status=JobStatus.UNFILLED)
    lists = dashboard.lists(db, staff=make_staff(db), now=T0, zone=BERLIN)
    assert [j.id for j in lists.jobs_waiting] == [j.id for j in lists.jobs_unfilled] == [job.id]
    assert lists.jobs_searching == []


def test_the_lists_take_the_same_few_statements_however_many_entries(db, engine):
    me = make_staff(db)
    for n in range(MORE):
        case = make_case(db, opened_at=T0 + timedelta(minutes=n), counsellor_id=me.id if n % 2 else None,
                         callback_needed=True, caller_phone=f"+4917612345{n % 7:03d}")  # fmt: skip
        make_call(db, case, accepted_by_id=me.id, recording_sid=f"RE{n:032d}")
        make_job(db, case, status=(JobStatus.OPEN, JobStatus.SEARCHING, JobStatus.UNFILLED)[n % 3])
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        lists = dashboard.lists(db, staff=me, now=T0 + timedelta(hours=2), zone=BERLIN)
        dashboard.summary(db, staff=me)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(lists.calls_today) == len(lists.callbacks) == LIST_LIMIT
    assert lists.my_cases and lists.unassigned and lists.jobs_unfilled and lists.jobs_searching
    assert lists.families and lists.voicemails
    # calls (with their cases and who took them), call-backs (with counsellors), open cases, jobs, earlier cases,
    # attempts, voicemails, known families, the counts: one statement each.
    assert len(statements) == 9, "\n\n".join(statements)
