"""Bulk data for the benchmarks, written in large executemany batches (not through the services).

A million cases take about a minute: rows are built as tuples of plain values and inserted with the
driver's executemany in batches of 20,000 (SQLite) or with COPY (PostgreSQL), bypassing the ORM.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import cast

from sqlalchemy import Engine, Table, insert, select, text

from billing.models import SepaMandate
from billing.tariff.rules import DEFAULT_RATES, amount
from casework.calls.models import Call
from casework.cases.models import Case, CaseNameWord
from casework.enums import Affiliation, CaseChannel, CaseStatus, HoursStatus, JobKind, JobStatus, Need
from casework.jobs.models import CareJob
from casework.search.rules import name_key, name_words
from volunteers.assignments.models import Assignment, AssignmentSource, AssignmentStatus, HoursReport
from volunteers.registry.models import Volunteer

FIRST_NAMES = ["Elif", "Anna", "Jonas", "Mehmet", "Sophie", "Lukas", "Marie", "Ali", "Lena", "Paul", "Fatma",
               "Noah", "Emma", "Leon", "Mia", "Finn", "Hannah", "Ben", "Lea", "Elias", "Zeynep", "Tim"]  # fmt: skip
LAST_NAMES = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
              "Hoffmann", "Yılmaz", "Kaya", "Demir", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
              "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner",
              "Sahin", "Krause", "Meier", "Lehmann", "Schmid", "Schulze", "Maier", "Köhler", "Herrmann"]  # fmt: skip
RARE_NAME = "Quirinbrecht"  # appears in exactly one case
STATUSES = [CaseStatus.COMPLETED] * 6 + [CaseStatus.CLOSED_NO_NEED] * 2 + [
    CaseStatus.CLOSED_UNREACHABLE, CaseStatus.NEW, CaseStatus.IN_COUNSELLING, CaseStatus.CARE_NEEDED]  # fmt: skip
CLOSED = (CaseStatus.COMPLETED, CaseStatus.CLOSED_NO_NEED, CaseStatus.CLOSED_UNREACHABLE)
NEEDS = [Need.CHILD_CARE, Need.CHILD_CARE, Need.RELATIVE_CARE, Need.DRIVING, Need.COUNSELLING, Need.OTHER]
COLUMNS = ("number", "year", "seq", "opened_at", "channel", "caller_name", "caller_phone", "caller_phone_reversed",
           "caller_name_search", "need", "status", "callback_needed", "affiliation", "sms_consent", "closed_at",
           "created_at", "updated_at")  # fmt: skip
BATCH = 20_000


def case_rows(
    count: int, *, seed: int = 2026, first: datetime, last: datetime, closed_only: bool = False
) -> list[tuple[object, ...]]:
    """`count` cases opened evenly from `first` to `last` (numbered per year, oldest first)."""
    rng = random.Random(seed)
    names = [(f"{given} {family}", name_key(f"{given} {family}")) for given in FIRST_NAMES for family in LAST_NAMES]
    statuses = [(status.value, status in CLOSED) for status in (CLOSED if closed_only else STATUSES)]
    needs = [need.value for need in NEEDS]
    prefixes = ["+49151", "+49160", "+49176", "+49511"]
    step = (last - first) / max(count, 1)
    rare = (f"Ida {RARE_NAME}", name_key(f"Ida {RARE_NAME}"))
    start = first.replace(tzinfo=None)
    three_days = timedelta(days=3)
    by_phone, no_affiliation = CaseChannel.PHONE.value, Affiliation.NONE.value
    seqs: dict[int, int] = {}
    rows = []
    choice, randrange = rng.choice, rng.randrange
    for n in range(count):
        opened = start + step * n
        year = opened.year
        seqs[year] = seq = seqs.get(year, 0) + 1
        name, key = names[randrange(len(names))] if n != count // 2 else rare
        number = f"{choice(prefixes)}{randrange(10**7, 10**8)}"
        status, closed = statuses[randrange(len(statuses))]
        rows.append((
            f"{year}-{seq:06d}", year, seq, opened, by_phone, name, number, number[:0:-1], key, choice(needs), status,
            False, no_affiliation, False, opened + three_days if closed else None, opened, opened,
        ))  # fmt: skip
    return rows


def insert_cases(
    engine: Engine, count: int, *, first: datetime | None = None, last: datetime | None = None,
    closed_only: bool = False,
) -> None:  # fmt: skip
    """Write `count` cases straight into the `case` table (and the yearly counters that go with them)."""
    first = first or datetime(2015, 1, 1, tzinfo=UTC)
    last = last or datetime(2026, 11, 30, tzinfo=UTC)
    rows = case_rows(count, first=first, last=last, closed_only=closed_only)
    with engine.connect() as connection:
        before = connection.scalar(text('SELECT coalesce(max(id), 0) FROM "case"'))
    # Indexes are built once after the load: much faster than row by row.
    indexes = [*cast(Table, Case.__table__).indexes, *cast(Table, CaseNameWord.__table__).indexes]
    for index in indexes:
        index.drop(engine)
    _bulk(engine, "case", COLUMNS, rows)
    # The names' words, as the services write them (casework.cases.models.CaseNameWord).
    with engine.connect() as connection:
        named = connection.execute(text(f'SELECT id, caller_name_search FROM "case" WHERE id > {int(before)}')).all()
    words = [(case_id, suffix) for case_id, key in named for suffix in name_words(key)]
    _bulk(engine, "case_name_word", ("case_id", "suffix"), words)
    for index in indexes:
        index.create(engine)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO yearly_counter (scope, year, last_value) SELECT 'case', year, max(seq) FROM \"case\" "
            "GROUP BY year ON CONFLICT (scope, year) DO UPDATE SET last_value = excluded.last_value"
        ))  # fmt: skip
        if engine.dialect.name == "postgresql":
            connection.execute(text('ANALYZE "case"'))
            connection.execute(text("ANALYZE case_name_word"))


def _bulk(engine: Engine, table: str, columns: tuple[str, ...], rows: list[tuple[object, ...]]) -> None:
    """`rows` into `table`: COPY on PostgreSQL, executemany in batches on SQLite; one transaction."""
    names = ", ".join(columns)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row([value.replace(tzinfo=UTC) if isinstance(value, datetime) else value
                                    for value in row])  # fmt: skip
        else:
            marks = ", ".join("?" for _ in columns)
            for start in range(0, len(rows), BATCH):
                cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows[start : start + BATCH])
        raw.commit()
    finally:
        raw.close()


def insert_billable_month(
    engine: Engine, cases: int, *, month: date, mandate_every: int = 4, seed: int = 2026
) -> tuple[int, Decimal]:
    """`cases` cases, each with one to three jobs in `month` done by a volunteer, their hours confirmed (every
    `mandate_every`-th case with a SEPA mandate): what the monthly bill run bills. The bills' count and total."""
    rng = random.Random(seed)
    first = datetime(month.year, month.month, 1, tzinfo=UTC)
    insert_cases(engine, cases, first=first - timedelta(days=60), last=first)
    standard = DEFAULT_RATES[Affiliation.NONE]  # the seeded care rate: the bench cases record no reduction
    now = first + timedelta(days=40)
    with engine.begin() as connection:
        case_ids = list(connection.scalars(select(Case.id).order_by(Case.id)))
        volunteers = max(1, len(case_ids) // 10)
        connection.execute(insert(Volunteer), [
            {"name": f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {LAST_NAMES[n % len(LAST_NAMES)]}",
             "phone": f"+4917{n:09d}", "created_at": now, "updated_at": now}
            for n in range(volunteers)
        ])  # fmt: skip
        volunteer_ids = list(connection.scalars(select(Volunteer.id).order_by(Volunteer.id)))
        jobs = []
        for n, case_id in enumerate(case_ids):
            for k in range(n % 3 + 1):
                starts = first + timedelta(days=(n + 7 * k) % 28, hours=7 + k)  # 8:00 local and later
                jobs.append({
                    "case_id": case_id, "kind": JobKind.CHILD_CARE if n % 2 else JobKind.ELDER_CARE,
                    "starts_at": starts, "ends_at": starts + timedelta(hours=3), "carers_needed": 1,
                    "code": f"{len(jobs) % 10_000:04d}", "active_code": None, "status": JobStatus.COMPLETED,
                    "created_at": starts - timedelta(days=7), "updated_at": starts,
                })  # fmt: skip
        connection.execute(insert(CareJob), jobs)
        job_ids = list(connection.scalars(select(CareJob.id).order_by(CareJob.id)))
        connection.execute(insert(Assignment), [
            {"job_id": job_id, "volunteer_id": volunteer_ids[i % len(volunteer_ids)],
             "status": AssignmentStatus.COMPLETED, "source": AssignmentSource.SMS,
             "assigned_at": job["starts_at"] - timedelta(days=5), "completed_at": job["ends_at"]}
            for i, (job_id, job) in enumerate(zip(job_ids, jobs, strict=True))
        ])  # fmt: skip
        assignment_ids = list(connection.scalars(select(Assignment.id).order_by(Assignment.id)))
        hours = [Decimal(rng.choice(["1.50", "2.00", "2.25", "3.00", "4.75"])) for _ in assignment_ids]
        connection.execute(insert(HoursReport), [
            {"assignment_id": assignment_id, "hours": spent, "source": "sms", "status": HoursStatus.CONFIRMED,
             "reported_at": job["ends_at"], "confirmed_at": job["ends_at"] + timedelta(days=1)}
            for assignment_id, spent, job in zip(assignment_ids, hours, jobs, strict=True)
        ])  # fmt: skip
        connection.execute(insert(SepaMandate), [
            {"case_id": case_id, "holder": "Kontoinhaberin Bench", "iban": "DE89370400440532013000",
             "bic": "COBADEFFXXX", "reference": f"BENCH-{case_id}", "signed_on": month - timedelta(days=90),
             "created_at": now - timedelta(days=90)}
            for n, case_id in enumerate(case_ids) if n % mandate_every == 0
        ])  # fmt: skip
    return len(case_ids), sum((amount(spent, standard) for spent in hours), Decimal(0))


# --- What happened on the cases: care jobs, carers, hours, calls (for the statistics) ---------------------------
#
# The shares follow the demo history (fluxx.history: plan.emergency_share, plan.jobs_per_emergency,
# plan.care_hours, stories._care/_driving), which is calibrated on the service's real figures: of the counselling
# sessions about a third (2015) to over half (from 2021) were emergencies with care jobs, one to three jobs each
# (70/22/8 %), about 3 % had a driving service; a carer was assigned half an hour or so after the call, care
# hours are 1–8 per job in quarter hours, and every case came by a call, of which about 6 % were no case at all.
# The demo has no cancelled or released jobs; the bench adds a few of each (the shares below), as the product
# has them. The bench cases are not all closed well: only completed cases and cases needing care get jobs.

DRIVING_SHARE = 0.03  # of all cases (demo: 297 driving services of 9,832 sessions)
CANCELLED_SHARE = 0.05  # of the jobs: cancelled (half of them after a carer had been assigned)
UNFILLED_SHARE = 0.03  # of the jobs: nobody found
RELEASED_SHARE = 0.08  # of the filled jobs: the first carer was released (half withdrew by SMS), another went
NO_CASE_SHARE = 0.36  # of the calls of cases closed "no need": marked "kein Fall" (demo: 6 % of all calls)
VOLUNTEERS = 5_000
JOB_COLUMNS = ("id", "case_id", "kind", "starts_at", "ends_at", "requirements", "carers_needed", "code", "status",
               "created_at", "updated_at", "cancelled_at")  # fmt: skip
ASSIGNMENT_COLUMNS = ("id", "job_id", "volunteer_id", "status", "source", "assigned_at", "released_at",
                      "release_reason", "withdrawn_at", "completed_at")  # fmt: skip
HOURS_COLUMNS = ("assignment_id", "hours", "source", "status", "reported_at", "confirmed_at")
CALL_COLUMNS = ("call_sid", "case_id", "direction", "from_number", "to_number", "status", "menu_attempts",
                "dial_status", "started_at", "answered_at", "ended_at", "duration_seconds", "no_case_reason",
                "created_at", "updated_at")  # fmt: skip


def insert_jobs(
    engine: Engine, *, scale: float = 1.0, calls: float = 0.2, now: datetime | None = None, seed: int = 2026
) -> dict[str, int]:
    """Care and driving jobs, their carers' assignments and hours, and calls, for the cases already written (the
    shares of the demo history times `scale`; a call for the share `calls` of the cases). What was written, by
    table. Jobs whose end is after `now` are still filled, not completed."""
    from fluxx.history.plan import emergency_share, jobs_per_emergency  # the demo's shares

    now = (now or datetime(2026, 12, 1, 9, tzinfo=UTC)).replace(tzinfo=None)
    rng = random.Random(seed)
    random_, randrange = rng.random, rng.randrange
    sqlite = engine.dialect.name != "postgresql"
    with engine.connect() as connection:
        first_ids = [int(connection.scalar(text(f"SELECT coalesce(max(id), 0) FROM {table}")) or 0) + 1
                     for table in ("volunteer", "care_job", "assignment")]  # fmt: skip
        found = connection.execute(text('SELECT id, opened_at, status FROM "case" ORDER BY id')).all()
    volunteer_id, job_id, assignment_id = first_ids
    stamp = (lambda at: at.isoformat(" ", "microseconds")) if sqlite else (lambda at: at)  # as SQLAlchemy writes
    eligible = (CaseStatus.COMPLETED.value, CaseStatus.CARE_NEEDED.value)
    share_eligible = sum(status in eligible for status in STATUSES) / len(STATUSES)
    made = stamp(now - timedelta(days=4000))
    volunteers = [(volunteer_id + n, f"Ehrenamtliche {n}", f"+49177{volunteer_id + n:08d}", True, True, made, made)
                  for n in range(VOLUNTEERS)]  # fmt: skip
    carers = [row[0] for row in volunteers]
    jobs: list[tuple[object, ...]] = []
    assignments: list[tuple[object, ...]] = []
    hours: list[tuple[object, ...]] = []
    call_rows: list[tuple[object, ...]] = []
    shares: dict[int, float] = {}
    empty, half_hour = "[]", timedelta(minutes=30)
    for case_id, opened_at, status in found:
        opened = datetime.fromisoformat(opened_at) if isinstance(opened_at, str) else opened_at.replace(tzinfo=None)
        if calls and random_() < calls:
            no_case = status == CaseStatus.CLOSED_NO_NEED.value and random_() < NO_CASE_SHARE
            talk = randrange(20, 60) if no_case else randrange(240, 1500)
            answered = opened + timedelta(seconds=randrange(15, 90))
            began = stamp(opened)
            call_rows.append((
                f"CA{case_id:032x}", case_id, "inbound", f"+49151{case_id:08d}", "+495111234567", "completed", 0,
                "completed", began, stamp(answered), stamp(answered + timedelta(seconds=talk)), talk,
                rng.choice(("hung_up", "wrong_number", "silent")) if no_case else None, began, began,
            ))  # fmt: skip
        if status not in eligible:
            continue
        year = opened.year
        if year not in shares:
            shares[year] = emergency_share(date(year, 1, 1)) * scale / share_eligible
        draw = random_()
        if draw < shares[year]:
            kind = JobKind.CHILD_CARE.value if random_() < 0.6 else JobKind.ELDER_CARE.value
            count = jobs_per_emergency(rng)
        elif draw < shares[year] + DRIVING_SHARE * scale / share_eligible:
            kind, count = JobKind.DRIVING.value, 1
        else:
            continue
        documented = opened + timedelta(minutes=randrange(8, 30))
        created = stamp(opened)
        for k in range(count):
            day = (opened + timedelta(days=k + (random_() < 0.33))).replace(hour=0, minute=0, second=0, microsecond=0)
            starts = max(day + timedelta(hours=rng.choice((6, 7, 7, 8, 12, 13, 14, 15))), documented + 2 * half_hour)
            spent = 2.0 if kind == "driving" else min(8.0, max(1.0, round(rng.triangular(4, 24, 11)) / 4))
            ends = starts + half_hour * math.ceil(spent * 2)
            starts_at, ends_at = stamp(starts), stamp(ends)
            assigned = documented + half_hour + timedelta(minutes=5 * k + randrange(0, 90))
            draw = random_()
            job_status, cancelled = JobStatus.COMPLETED.value, None
            went: int | None = None
            if draw < CANCELLED_SHARE:
                job_status, cancelled = JobStatus.CANCELLED.value, stamp(starts - timedelta(hours=randrange(2, 30)))
                if draw < CANCELLED_SHARE / 2:
                    assignments.append((assignment_id, job_id, rng.choice(carers), "released", "sms", stamp(assigned),
                                        cancelled, "job cancelled", None, None))  # fmt: skip
                    assignment_id += 1
            elif draw < CANCELLED_SHARE + UNFILLED_SHARE:
                job_status = JobStatus.UNFILLED.value
            else:
                carer = rng.choice(carers)
                if random_() < RELEASED_SHARE:
                    withdrew = random_() < 0.5
                    released = stamp(assigned + timedelta(hours=randrange(1, 20)))
                    assignments.append((assignment_id, job_id, carer, "released", "sms", stamp(assigned), released,
                                        "volunteer" if withdrew else "Krankheit", released if withdrew else None,
                                        None))  # fmt: skip
                    assignment_id += 1
                    assigned += timedelta(hours=randrange(1, 20))
                    carer = carer + 1 if carer != carers[-1] else carers[0]  # another carer
                done = ends <= now
                job_status = JobStatus.COMPLETED.value if done else JobStatus.FILLED.value
                assignments.append((assignment_id, job_id, carer, "completed" if done else "active",
                                    "sms" if random_() < 0.7 else "staff", stamp(min(assigned, starts)), None, None,
                                    None, ends_at if done else None))  # fmt: skip
                went = assignment_id
                assignment_id += 1
            if went is not None and kind != "driving" and job_status == JobStatus.COMPLETED.value:
                draw = random_()
                if draw < 0.95:  # confirmed, some still only reported or rejected, a few never reported
                    state = "confirmed" if draw < 0.88 else "reported" if draw < 0.93 else "rejected"
                    hours.append((went, f"{spent:.2f}", "sms", state, ends_at,
                                  stamp(ends + timedelta(days=1)) if state == "confirmed" else None))  # fmt: skip
            jobs.append((job_id, case_id, kind, starts_at, ends_at, empty, 1, f"{job_id % 10_000:04d}", job_status,
                         created, ends_at, cancelled))  # fmt: skip
            job_id += 1
    _bulk(engine, "volunteer", ("id", "name", "phone", "is_active", "sms_opt_in", "created_at", "updated_at"),
          volunteers)  # fmt: skip
    # The plain indexes are built once after the load (the unique constraints stay).
    indexes = [index for model in (CareJob, Assignment, HoursReport, Call)
               for index in cast(Table, model.__table__).indexes if not index.unique]  # fmt: skip
    for index in indexes:
        index.drop(engine)
    _bulk(engine, "care_job", JOB_COLUMNS, jobs)
    _bulk(engine, "assignment", ASSIGNMENT_COLUMNS, assignments)
    _bulk(engine, "hours_report", HOURS_COLUMNS, hours)
    _bulk(engine, "call", CALL_COLUMNS, call_rows)
    for index in indexes:
        index.create(engine)
    if not sqlite:
        with engine.begin() as connection:
            for table in ("volunteer", "care_job", "assignment"):
                connection.execute(text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))
            for table in ("volunteer", "care_job", "assignment", "hours_report", "call"):
                connection.execute(text(f"ANALYZE {table}"))
    return {"volunteer": len(volunteers), "care_job": len(jobs), "assignment": len(assignments),
            "hours_report": len(hours), "call": len(call_rows)}  # fmt: skip
