"""A name search through the name words' index (issue 23, item 5): the words follow the name wherever it is
written through the ORM, the anonymisation deletes them, and both ways of searching find the same cases."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from casework.cases import family
from casework.cases import service as cases
from casework.cases.forms import CaseDetails
from casework.cases.models import Case, CaseNameWord
from casework.enums import Affiliation, CaseStatus
from casework.search import service as search
from casework.search.rules import name_words, parse_query
from casework.search.service import CaseFilters, filter_conditions, list_cases
from core.audit import Actor
from retention import service as retention
from tests.factories import T0, make_case, make_staff

BERLIN = ZoneInfo("Europe/Berlin")


def words_of(db, case_id: int) -> list[str]:
    return sorted(db.scalars(select(CaseNameWord.suffix).where(CaseNameWord.case_id == case_id)))


def details(name: str | None) -> CaseDetails:
    return CaseDetails(caller_name=name, caller_phone="+495111234567", need=None, municipality_id=None,
                       district=None, address=None, affiliation=Affiliation.NONE, partner_id=None,
                       employer_municipality_id=None, consent=False)  # fmt: skip


def test_the_words_of_a_name_are_the_name_from_each_word_on():
    assert name_words("lena maria müller") == ["lena maria müller", "maria müller", "müller"]
    assert name_words("öztürk") == ["öztürk"]
    assert name_words(None) == [] and name_words("") == []


def test_a_case_opened_by_hand_with_a_name_gets_its_words(db):
    anna = make_staff(db)
    actor = Actor(anna.id, None, T0)
    case = cases.create_manual_case(
        db,
        caller_name="Lena  Maria Müller",
        caller_phone=None,
        need=None,
        source="E-Mail",
        note=None,
        actor=actor,
        zone=BERLIN,
    )
    db.commit()
    assert words_of(db, case.id) == ["lena maria müller", "maria müller", "müller"]
    nameless = make_case(db)
    assert words_of(db, nameless.id) == []


def test_the_case_form_replaces_the_words_also_when_a_word_stays(db):
    anna = make_staff(db)
    made = make_case(db, caller_name="Lena Müller", status=CaseStatus.IN_COUNSELLING)
    assert words_of(db, made.id) == ["lena müller", "müller"]
    case = cases.get_case(db, case_id=made.id, load=cases.persons_and_windows())
    actor = Actor(anna.id, None, T0 + timedelta(hours=1))
    cases.update_details(db, case=case, details=details("Anna Müller"), actor=actor)
    db.commit()
    assert words_of(db, case.id) == ["anna müller", "müller"]  # "müller" deleted and written again in one flush
    cases.update_details(db, case=case, details=details("Anna Müller"), actor=actor)  # saved unchanged
    db.commit()
    assert words_of(db, case.id) == ["anna müller", "müller"]
    cases.update_details(db, case=case, details=details(None), actor=actor)
    db.commit()
    assert words_of(db, case.id) == []


def test_a_merged_case_gives_its_name_and_words_to_a_target_without_one(db):
    anna = make_staff(db)
    target = make_case(db, caller_phone="+495111234567", status=CaseStatus.IN_COUNSELLING)
    source = make_case(db, opened_at=T0 + timedelta(days=1), caller_phone="+495111234567", caller_name="Ida Kaya")
    family.merge(db, source_id=source.id, target_id=target.id, actor=Actor(anna.id, None, T0 + timedelta(days=1)))
    db.commit()
    assert words_of(db, target.id) == ["ida kaya", "kaya"]
    assert words_of(db, source.id) == ["ida kaya", "kaya"]  # kept, as every list hides merged cases anyway


def test_anonymising_a_case_deletes_its_name_words(db):
    kept = make_case(db, caller_name="Ida Kaya")
    erased = make_case(db, caller_name="Lena Quirinbrecht", status=CaseStatus.COMPLETED, closed_at=T0)
    assert retention.erase_case(db, case_id=erased.id, now=T0 + timedelta(days=1), today=T0.date())
    db.commit()
    assert words_of(db, erased.id) == [] and db.get_one(Case, erased.id).caller_name_search is None
    assert words_of(db, kept.id) == ["ida kaya", "kaya"]
    found = list_cases(db, filters=CaseFilters(query=parse_query("Quirinbrecht")), zone=BERLIN).cases
    assert found == []


def _names(db, typed: str, *, by_words: bool) -> list[str | None]:
    query = parse_query(typed)
    ids = search.name_matches(db, query.name_prefix or "") if by_words else None
    assert (ids is not None) is by_words
    where = filter_conditions(CaseFilters(query=query), BERLIN, db.get_bind().dialect.name,
                              name_case_ids=ids)  # fmt: skip
    return list(db.scalars(select(Case.caller_name).where(*where).order_by(Case.opened_at.desc(), Case.id.desc())))


@pytest.mark.parametrize("by_words", [True, False], ids=["by the words' index", "walking the cases"])
def test_both_ways_find_the_start_of_any_word_newest_first_but_no_merged_case(db, by_words):
    lena = make_case(db, caller_name="Lena Quirin Müller")
    make_case(db, opened_at=T0 + timedelta(minutes=1), caller_name="Ida Müllerova")
    make_case(db, opened_at=T0 + timedelta(minutes=2), caller_name="Müllerschön Paul")  # the start of the name
    make_case(db, opened_at=T0 + timedelta(minutes=3), caller_name="Anna Schmüller")  # inside a word: no
    make_case(db, opened_at=T0 + timedelta(minutes=4), caller_name="Öztürk Ela")
    merged = make_case(db, opened_at=T0 + timedelta(minutes=5), caller_name="Tom Müller")
    merged.merged_into_id = lena.id
    db.commit()
    assert _names(db, "müller", by_words=by_words) == ["Müllerschön Paul", "Ida Müllerova", "Lena Quirin Müller"]
    assert _names(db, "Quirin Mü", by_words=by_words) == ["Lena Quirin Müller"]  # across a space
    assert _names(db, "ÖZTÜRK", by_words=by_words) == ["Öztürk Ela"]
    assert _names(db, "Mül%er", by_words=by_words) == []  # LIKE's wildcards are text here


def test_the_list_reads_few_matches_through_the_words_and_many_by_walking(db, monkeypatch):
    for minute in range(4):
        make_case(db, opened_at=T0 + timedelta(minutes=minute), caller_name=f"Kind{minute} Yılmaz")
    make_case(db, opened_at=T0 + timedelta(minutes=9), caller_name="Ida Kaya")
    monkeypatch.setattr(search, "NAME_WORDS_CAP", 3)
    kaya_id = db.scalar(select(Case.id).where(Case.caller_name == "Ida Kaya"))
    assert search.name_matches(db, "kaya") == [kaya_id] and search.name_matches(db, "yılmaz") is None
    chosen: list[object] = []
    real = search.filter_conditions

    def spy(*args, name_case_ids=None, **kwargs):
        chosen.append(name_case_ids)
        return real(*args, name_case_ids=name_case_ids, **kwargs)

    monkeypatch.setattr(search, "filter_conditions", spy)
    kaya = list_cases(db, filters=CaseFilters(query=parse_query("Kaya")), zone=BERLIN)
    yilmaz = list_cases(db, filters=CaseFilters(query=parse_query("Yılmaz")), zone=BERLIN, limit=2)
    assert chosen == [[kaya_id], None]
    assert [case.caller_name for case in kaya.cases] == ["Ida Kaya"]
    assert [case.caller_name for case in yilmaz.cases] == ["Kind3 Yılmaz", "Kind2 Yılmaz"] and yilmaz.next_cursor


def _plan(db, query) -> list[str]:
    compiled = str(query.compile(db.get_bind(), compile_kwargs={"literal_binds": True}))
    if db.get_bind().dialect.name == "sqlite":
        return [row[3] for row in db.execute(text("EXPLAIN QUERY PLAN " + compiled))]
    db.execute(text("SET LOCAL enable_seqscan = off"))  # a few rows: the table would be read whole otherwise
    plan = [row[0] for row in db.execute(text("EXPLAIN " + compiled))]
    db.rollback()
    return plan


def test_a_rare_word_is_one_range_of_the_words_index_and_its_cases_are_read_by_id(db):
    ids = [make_case(db, caller_name=f"Lena Quirinbrecht {n}").id for n in range(3)]
    db.commit()
    dialect = db.get_bind().dialect.name
    words = select(CaseNameWord.case_id).where(search._prefix(CaseNameWord.suffix, "quirinbrecht", dialect))
    assert "ix_case_name_word_suffix" in " | ".join(_plan(db, words.limit(search.NAME_WORDS_CAP)))
    assert sorted(search.name_matches(db, "quirinbrecht") or []) == sorted(ids)
    where = filter_conditions(CaseFilters(query=parse_query("quirinbrecht")), BERLIN, dialect, name_case_ids=ids)
    steps = _plan(db, select(Case.id).where(*where).order_by(Case.opened_at.desc(), Case.id.desc()).limit(51))
    joined = " | ".join(steps)
    if dialect == "sqlite":
        assert not any(step.startswith("SCAN case") for step in steps), joined  # looked up by id, then sorted
    else:  # the ids as one array, whose length the planner knows (its plan for three cases says nothing more)
        assert f"id = ANY ('{{{','.join(map(str, ids))}}}'::integer[])" in joined, joined
