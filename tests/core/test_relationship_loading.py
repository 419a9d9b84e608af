"""No relationship loads lazily: a list that reads one would run a query per row (a hidden N+1).

Every `relationship()` is declared `lazy="raise"`, so reading one that was not loaded fails at once, in the
tests, instead of costing a query per row in production. The queries that feed lists and pages say what they
read (`selectinload`/`joinedload`); code that needs one object's relation loads it explicitly. A relationship
that may load lazily after all goes into LAZY_ALLOWED with the reason.
"""

from __future__ import annotations

import pytest
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import Mapper

import fluxx.all_models  # noqa: F401  (every model module, so every relationship is mapped)
from casework.calls.models import Call
from casework.cases import service as cases
from casework.jobs.models import CareJob
from core.db import Base
from tests.factories import make_call, make_case, make_job, make_volunteer
from volunteers.registry import service as registry
from volunteers.registry.models import Volunteer

LAZY_ALLOWED: dict[str, str] = {}
"""`Model.relationship` → why it may load lazily. None may so far."""

# The ones a list reads per row (case lists, dashboard, job pages, volunteer list, matching, export, timeline):
# named here too, so that taking one of them off would need two deliberate changes.
READ_IN_LISTS = {
    "Case.counsellor", "Case.municipality", "Case.partner", "Case.persons", "Case.windows", "Case.calls",
    "Case.jobs", "Call.case", "Call.accepted_by", "Call.events", "CallbackAttempt.staff", "CareJob.case",
    "CareJob.municipality", "Assignment.volunteer", "Assignment.job", "Bill.lines", "Staff.sessions",
    "Volunteer.skill_rows", "Volunteer.language_rows", "Volunteer.areas", "Volunteer.availability",
    "Volunteer.absences", "Volunteer.certificates",
}  # fmt: skip


def _relationships() -> dict[str, str]:
    """`Model.relationship` → its loader strategy, for every mapped class."""
    found = {}
    for mapper in Base.registry.mappers:
        assert isinstance(mapper, Mapper)
        for name, relationship in mapper.relationships.items():
            found[f"{mapper.class_.__name__}.{name}"] = str(relationship.lazy)
    return found


def test_no_relationship_loads_lazily_unless_allowed_with_a_reason():
    relationships = _relationships()
    lazy = {name: strategy for name, strategy in relationships.items() if strategy != "raise"}
    assert lazy.keys() <= LAZY_ALLOWED.keys(), "declare it lazy='raise' and load it where it is read"
    assert LAZY_ALLOWED.keys() <= relationships.keys(), "an allowed relationship is gone: remove it from LAZY_ALLOWED"
    assert all(reason.strip() for reason in LAZY_ALLOWED.values())


def test_the_relationships_read_in_lists_raise():
    relationships = _relationships()
    assert relationships.keys() >= READ_IN_LISTS
    assert {name for name in READ_IN_LISTS if relationships[name] != "raise"} == set()
    assert READ_IN_LISTS.isdisjoint(LAZY_ALLOWED)


def test_reading_a_relationship_that_was_not_loaded_fails_instead_of_querying(db):
    case = make_case(db)
    call = make_call(db, case)
    job = make_job(db, case)
    volunteer = make_volunteer(db)
    db.expire_all()
    with pytest.raises(InvalidRequestError, match="lazy='raise'"):
        _ = cases.get_case(db, case_id=case.id).persons
    with pytest.raises(InvalidRequestError, match="lazy='raise'"):
        _ = db.get_one(Call, call.id).case
    with pytest.raises(InvalidRequestError, match="lazy='raise'"):
        _ = db.get_one(CareJob, job.id).case
    with pytest.raises(InvalidRequestError, match="lazy='raise'"):
        _ = db.get_one(Volunteer, volunteer.id).skill_rows
    # Loaded explicitly, they are there.
    assert cases.get_case(db, case_id=case.id, load=cases.persons_and_windows()).persons == []
    assert set(registry.get_with_rows(db, volunteer.id).skills) == {"child_care"}
