from datetime import UTC, datetime

from sqlalchemy import func, select

from casework.cases.models import Case, CaseStatusChange
from casework.enums import CaseStatus, JobKind, JobStatus
from casework.jobs.models import CareJob
from casework.reference.models import Municipality, Partner
from fluxx.app import demo
from fluxx.core.models import Staff


def test_the_demo_tells_true_stories(db):
    now = datetime(2026, 11, 26, 8, tzinfo=UTC)
    assert demo.load(db, now=now).created
    db.commit()
    assert db.scalar(select(func.count()).select_from(Staff).where(Staff.on_duty.is_(True))) >= 2
    assert db.scalar(select(func.count()).select_from(Partner)) == len(demo.PARTNERS)
    partner_towns = db.scalars(select(Municipality).where(Municipality.partner_from.is_not(None))).all()
    assert {m.name for m in partner_towns} == set(demo.PARTNER_MUNICIPALITIES)
    for case in db.scalars(select(Case)):
        changes = db.scalars(
            select(CaseStatusChange.to_status).where(CaseStatusChange.case_id == case.id).order_by(CaseStatusChange.id)
        ).all()
        assert changes[0] == CaseStatus.NEW and changes[-1] == case.status  # the history leads to the status
    assert db.scalar(select(func.count()).select_from(Case).where(Case.callback_needed.is_(True))) == 1
    job = db.scalars(select(CareJob)).one()
    assert job.kind == JobKind.DRIVING and job.status == JobStatus.OPEN and len(job.active_code) == 4
    assert job.case.status == CaseStatus.CARE_NEEDED
    assert not demo.load(db, now=now).created
