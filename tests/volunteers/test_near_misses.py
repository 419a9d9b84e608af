"""Near misses and distance in the database (issue 21, point 6): the query behind "Fast passend", the order of
the candidates by distance, and asking one near miss directly (an offer SMS, audited, never a double booking)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from casework.enums import JobStatus
from casework.reference.models import Municipality
from core.models import AuditEvent, StaffRole
from messaging.models import Message
from tests.factories import T0, make_staff
from tests.volunteers.builders import make_assignment, make_offer
from tests.volunteers.outreach.helpers import FRIDAY, JOB_START, carers, job_in_laatzen
from tests.volunteers.replies.test_service import text_in
from volunteers.assignments.models import Assignment, AssignmentStatus
from volunteers.matching import rules
from volunteers.matching import service as matching
from volunteers.matching.rules import MissKind
from volunteers.outreach import service as outreach
from volunteers.outreach.models import Offer, OfferStatus

NOW = T0  # Thursday 26.11.2026, 09:00 in Hannover; the job is on Friday 14:00–18:00 in Laatzen


def mid(db, name: str) -> int:
    return db.scalar(select(Municipality.id).where(Municipality.name == name))


def near_names(db, job) -> dict[str, MissKind]:
    return {near.name: near.miss.kind for near in matching.near_misses(db, matching.needs_for(db, job))}


def test_the_job_knows_its_neighbouring_municipalities(db):
    needs = matching.needs_for(db, job_in_laatzen(db))
    assert needs.neighbour_ids == {mid(db, n) for n in ("Hannover", "Hemmingen", "Pattensen", "Sehnde")}


def test_each_kind_of_near_miss_is_found_with_its_reason_and_the_rest_are_not(db):
    job = job_in_laatzen(db)
    carers(db, 1, name="Tina Zeitfenster", availability=[(FRIDAY, "08:00", "12:00")])
    carers(db, 1, name="Abel Abwesend", absences=[(date(2026, 11, 25), date(2026, 11, 30))])
    carers(db, 1, name="Nele Nachbar", municipality_ids=[mid(db, "Sehnde")])
    carers(db, 1, name="Zora Zeugnis", certificates=[("police_certificate", date(2021, 9, 1), date(2026, 10, 1))])
    carers(db, 1, name="Fritz Fähigkeit", skills=["elder_care"])
    carers(db, 1, name="Weit Weg", municipality_ids=[mid(db, "Wunstorf")])
    carers(db, 1, name="Alt Zeugnis", certificates=[("police_certificate", date(2020, 1, 1), date(2025, 1, 1))])
    carers(db, 1, name="Zwei Fehler", skills=["elder_care"], availability=[])
    carers(db, 1, name="Ohne Einwilligung", sms_opt_in=False)

    found = near_names(db, job)

    assert found == {
        "Tina Zeitfenster": MissKind.TIME, "Abel Abwesend": MissKind.TIME, "Nele Nachbar": MissKind.AREA,
        "Zora Zeugnis": MissKind.CERTIFICATE, "Fritz Fähigkeit": MissKind.SKILL,
    }  # fmt: skip
    reasons = {n.name: n.miss.reason for n in matching.near_misses(db, matching.needs_for(db, job))}
    assert reasons["Zora Zeugnis"] == "Führungszeugnis abgelaufen am 01.10.2026"
    assert reasons["Nele Nachbar"] == "fährt nur in die Nachbarkommune Sehnde, nicht nach Laatzen"
    assert reasons["Tina Zeitfenster"] == "nicht verfügbar Fr 14:00–18:00"


def test_someone_busy_at_that_time_is_never_a_near_miss(db):
    job = job_in_laatzen(db)
    [busy] = carers(db, 1, name="Bea Beschäftigt", availability=[(FRIDAY, "08:00", "12:00")])
    make_assignment(db, job_in_laatzen(db), busy)  # another job at the same time

    assert near_names(db, job) == {}


def test_near_misses_are_bounded_and_nearest_first(db):
    job = job_in_laatzen(db)
    carers(db, 3, availability=[], municipality_ids=[mid(db, "Laatzen"), mid(db, "Wunstorf")])
    [local] = carers(db, 1, name="Lotte Laatzen", availability=[])
    carers(db, 12, availability=[])

    found = matching.near_misses(db, matching.needs_for(db, job))
    assert len(found) == rules.NEAR_MISSES_SHOWN
    assert found[0].name == "Lotte Laatzen" and found[0].volunteer_id == local.id
    assert all(near.distance_band == 0 for near in found)
    assert len(matching.near_misses(db, matching.needs_for(db, job), scan=2)) == 2


def test_candidates_are_ranked_by_distance_then_fairness(db):
    job = job_in_laatzen(db)
    laatzen, sehnde, wunstorf = mid(db, "Laatzen"), mid(db, "Sehnde"), mid(db, "Wunstorf")
    [far] = carers(db, 1, name="Fern", municipality_ids=[laatzen, wunstorf])
    [neighbour] = carers(db, 1, name="Nachbarin", municipality_ids=[laatzen, sehnde])
    [local_lately] = carers(db, 1, name="Hier zuletzt", last_assigned_at=T0 - timedelta(days=2))
    [local_never] = carers(db, 1, name="Hier nie")

    ranked = matching.rank(db, job)

    assert [c.name for c in ranked] == ["Hier nie", "Hier zuletzt", "Nachbarin", "Fern"]
    assert [c.distance_band for c in ranked] == [0, 0, 1, 2]
    assert ranked == sorted(ranked, key=rules.sort_key), "SQL ORDER BY and rules.RANK_ORDER differ"
    assert {far.id, neighbour.id, local_lately.id, local_never.id} == {c.volunteer_id for c in ranked}


@pytest.fixture
def coordinator(db):
    return make_staff(db, role=StaffRole.COORDINATOR)


def test_asking_a_near_miss_directly_sends_the_offer_sms_and_is_audited(db, coordinator):
    job = job_in_laatzen(db)
    [near] = carers(db, 1, availability=[(FRIDAY, "08:00", "12:00")])

    offer = outreach.ask_directly(db, job=job, volunteer_id=near.id, staff=coordinator, now=NOW)
    db.commit()

    assert (offer.status, offer.wave, offer.volunteer_id) == (OfferStatus.SENT, 0, near.id)
    sms = db.scalar(select(Message).where(Message.volunteer_id == near.id))
    assert sms.to_number == near.phone and sms.body.startswith("Fluxx: Kinderbetreuung in Laatzen")
    assert f"JA {job.code}" in sms.body
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "offer.direct"))
    assert (event.object_id, event.detail, event.staff_id) == (job.id, {"volunteer_id": near.id}, coordinator.id)
    assert near_names(db, job) == {}, "asked: no longer a near miss"


def test_a_direct_yes_assigns_like_any_yes(client, db, settings, coordinator):
    job = job_in_laatzen(db)
    [near] = carers(db, 1, availability=[(FRIDAY, "08:00", "12:00")])
    outreach.ask_directly(db, job=job, volunteer_id=near.id, staff=coordinator, now=NOW)
    db.commit()

    text_in(client, settings, near.phone, f"JA {job.code}")

    db.expire_all()
    assignment = db.scalar(select(Assignment).where(Assignment.job_id == job.id))
    assert (assignment.volunteer_id, assignment.status) == (near.id, AssignmentStatus.ACTIVE)


@pytest.mark.parametrize("case", ["asked", "busy", "two_rules", "full", "counsellor", "unknown"])
def test_asking_directly_is_refused_when_it_could_double_book_or_is_not_a_near_miss(db, coordinator, case):
    job = job_in_laatzen(db)
    [near] = carers(db, 1, name="Nina Nah", availability=[(FRIDAY, "08:00", "12:00")])
    staff, volunteer_id = coordinator, near.id
    if case == "asked":
        make_offer(db, job, near)
    elif case == "busy":
        make_assignment(db, job_in_laatzen(db), near)
    elif case == "two_rules":
        [near] = carers(db, 1, name="Zwei", availability=[], skills=["elder_care"])
        volunteer_id = near.id
    elif case == "full":
        make_assignment(db, job, carers(db, 1)[0])
    elif case == "counsellor":
        staff = make_staff(db)
    elif case == "unknown":
        volunteer_id = 999_999

    with pytest.raises(outreach.OutreachError):
        outreach.ask_directly(db, job=job, volunteer_id=volunteer_id, staff=staff, now=NOW)
    db.rollback()
    assert db.scalar(select(Offer).where(Offer.job_id == job.id, Offer.wave == 0)) is None


def test_asking_directly_after_the_start_is_refused(db, coordinator):
    job = job_in_laatzen(db)
    [near] = carers(db, 1, availability=[(FRIDAY, "08:00", "12:00")])
    with pytest.raises(outreach.OutreachError):
        outreach.ask_directly(db, job=job, volunteer_id=near.id, staff=coordinator, now=JOB_START)
    job.status = JobStatus.CANCELLED
    db.commit()
    with pytest.raises(outreach.OutreachError):
        outreach.ask_directly(db, job=job, volunteer_id=near.id, staff=coordinator, now=NOW)


def test_the_distance_band_in_sql_is_the_one_the_rules_give_for_every_mix_of_areas(db):
    job = job_in_laatzen(db)
    needs = matching.needs_for(db, job)
    laatzen, sehnde, hannover = mid(db, "Laatzen"), mid(db, "Sehnde"), mid(db, "Hannover")
    wunstorf, uetze = mid(db, "Wunstorf"), mid(db, "Uetze")
    mixes = [
        [laatzen], [laatzen, sehnde], [laatzen, sehnde, hannover], [laatzen, wunstorf],
        [laatzen, sehnde, wunstorf], [laatzen, wunstorf, uetze], [laatzen, hannover, uetze],
    ]  # fmt: skip
    areas = {}
    for n, mix in enumerate(mixes):
        [volunteer] = carers(db, 1, name=f"Mischung {n}", municipality_ids=mix)
        areas[volunteer.id] = mix

    ranked = matching.rank(db, job, limit=None)

    assert {c.volunteer_id: c.distance_band for c in ranked} == {
        volunteer_id: rules.distance_band(mix, needs) for volunteer_id, mix in areas.items()
    }
    assert sorted(c.distance_band for c in ranked) == [0, 1, 1, 2, 2, 2, 2]
