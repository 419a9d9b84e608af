"""The dashboard's order (issue 18): what needs someone now first, then the day's work, empty sections on one line.

The rule is pure (casework.dashboard.rules.arrange) and tested as a table; the page tests check that the
rendered page follows it, folds the empty sections into one line and links every count to its section.
"""

from __future__ import annotations

import re

import pytest

from casework.calls.rules import LiveState, LiveStateKind
from casework.dashboard.rules import URGENT, WORK, Section, arrange, is_live
from casework.enums import CallStatus, CaseStatus
from tests.factories import login, make_call, make_case, make_job, make_staff

S = Section


def sizes(**given: int) -> dict[Section, int]:
    """Every section empty but those given by name (`callbacks=2`)."""
    found = dict.fromkeys(Section, 0)
    for name, size in given.items():
        found[Section[name.upper()]] = size
    return found


# --- the rule ------------------------------------------------------------------------------------------------

CASES = [
    # (what is there, urgent shown, work shown, empty line)
    pytest.param({}, (), (), tuple(s for s in URGENT + WORK if s is not S.LIVE_CALLS), id="all empty"),
    pytest.param(
        {"calls_today": 3, "callbacks": 1},
        (S.CALLBACKS,),
        (S.CALLS_TODAY,),
        None,
        id="an urgent one before the day's work",
    ),
    pytest.param(
        {
            "hours_missing": 1,
            "withdrawals": 2,
            "live_calls": 1,
            "callbacks": 4,
            "jobs_unfilled": 1,
            "hours_to_confirm": 7,
        },
        (S.LIVE_CALLS, S.CALLBACKS, S.WITHDRAWALS, S.JOBS_UNFILLED, S.HOURS_TO_CONFIRM, S.HOURS_MISSING),
        (),
        None,
        id="urgent in the fixed order of urgency",
    ),
    pytest.param(
        {"assigned_today": 1, "jobs_waiting": 2, "my_cases": 1, "calls_today": 5},
        (),
        (S.CALLS_TODAY, S.MY_CASES, S.JOBS_WAITING, S.ASSIGNED_TODAY),
        None,
        id="the day's work in its order",
    ),
    pytest.param(
        {"hours_missing": 1, "unassigned": 1},
        (S.HOURS_MISSING,),
        (S.UNASSIGNED,),
        (
            S.CALLBACKS,
            S.WITHDRAWALS,
            S.JOBS_UNFILLED,
            S.HOURS_TO_CONFIRM,
            S.CALLS_TODAY,
            S.MY_CASES,
            S.JOBS_SEARCHING,
            S.JOBS_WAITING,
            S.ASSIGNED_TODAY,
        ),
        id="the least urgent with entries before the most urgent empty one",
    ),
]


@pytest.mark.parametrize(("given", "urgent", "work", "empty"), CASES)
def test_sections_with_entries_come_by_urgency_and_empty_ones_last(given, urgent, work, empty):
    layout = arrange(sizes(**given))
    assert layout.urgent == urgent
    assert layout.work == work
    if empty is not None:
        assert layout.empty == empty
    # Every section once (an empty live call aside), the urgent ones with entries above all others.
    shown = layout.order
    assert sorted(shown) == sorted(set(Section) - ({S.LIVE_CALLS} if not given.get("live_calls") else set()))
    assert shown[: len(urgent)] == urgent


def test_an_empty_urgent_section_is_not_urgent_and_folds_into_the_empty_line():
    layout = arrange(sizes(calls_today=1))
    assert S.CALLBACKS in layout.empty and not layout.is_urgent(S.CALLBACKS)
    assert layout.order.index(S.CALLS_TODAY) < layout.order.index(S.CALLBACKS)
    assert layout.is_urgent(S.CALLBACKS) is False
    assert arrange(sizes(callbacks=1)).is_urgent(S.CALLBACKS)


def test_no_live_call_has_no_line_at_all():
    assert S.LIVE_CALLS not in arrange(sizes()).order
    assert arrange(sizes(live_calls=1)).order[0] is S.LIVE_CALLS


def test_every_section_is_urgent_or_work_and_must_be_given():
    assert set(URGENT) | set(WORK) == set(Section) and not set(URGENT) & set(WORK)
    partial = sizes()
    del partial[S.HOURS_MISSING]
    with pytest.raises(ValueError, match="hours-missing"):
        arrange(partial)


@pytest.mark.parametrize(
    ("kind", "live"),
    [(LiveStateKind.RINGING, True), (LiveStateKind.TALKING, True), (LiveStateKind.ENDED, False),
     (LiveStateKind.VOICEMAIL, False), (LiveStateKind.MISSED, False), (LiveStateKind.UNREPORTED, False)],
)  # fmt: skip
def test_a_call_is_live_while_it_rings_or_is_talked_on(kind, live):
    assert is_live(LiveState(kind, "…")) is live


# --- the page ------------------------------------------------------------------------------------------------


def section_ids(html: str) -> list[str]:
    """The ids of the dashboard's sections in the order of the page (cards and lines of the empty list)."""
    known = {section.value for section in Section}
    return [found for found in re.findall(r'<(?:section|li)[^>]* id="([a-z-]+)"', html) if found in known]


def empty_line(html: str) -> str:
    start = html.index('class="dashboard-empty"')
    return html[start : html.index("</section>", start)]


def test_the_page_puts_an_urgent_section_above_the_days_work_and_folds_the_empty_ones(client, db, clock):
    staff = make_staff(db)
    make_case(db, status=CaseStatus.NEW)  # unassigned: the day's work
    make_case(db, callback_needed=True, caller_phone="+4951112345678")  # urgent
    db.commit()
    login(client, staff)
    live = client.get("/dashboard/live").text

    order = section_ids(live)
    assert order.index("callbacks") < order.index("unassigned")
    expected = arrange(sizes(callbacks=1, unassigned=2))
    assert order == [section.value for section in expected.order]
    # The empty ones: one line of short sentences, no card and no heading each.
    line = empty_line(live)
    assert "Ohne Einträge:" in line
    assert '<li id="withdrawals">Keine offene Absage.</li>' in line
    assert '<li id="hours-missing">Zu keinem Einsatz fehlen Stunden.</li>' in line
    assert 'id="callbacks"' not in line and 'id="unassigned"' not in line
    assert line.count("<h2") == 1
    assert '<section class="card" id="withdrawals">' not in live
    # The whole page renders the same order.
    assert section_ids(client.get("/").text) == order


def test_when_the_call_back_is_done_the_section_moves_to_the_empty_line(client, db):
    staff = make_staff(db)
    case = make_case(db, callback_needed=True)
    db.commit()
    login(client, staff)
    assert 'id="callbacks"' not in empty_line(client.get("/dashboard/live").text)
    case.callback_needed = False
    db.commit()
    live = client.get("/dashboard/live").text
    assert '<li id="callbacks">Keine Rückrufe offen.</li>' in empty_line(live)


def tiles(html: str) -> list[tuple[str, str, str, str]]:
    """(class, id, href, text) of each count tile, in the order of the page."""
    start = html.index('class="tiles"')
    part = html[start : html.index("</section>", start)]
    found = re.findall(r'<a class="([^"]+)" id="([^"]+)" href="([^"]+)">(.*?)</a>', part)
    return [(cls, tile_id, href, re.sub(r"<[^>]+>", "", text)) for cls, tile_id, href, text in found]


def test_the_counts_link_to_their_sections_urgent_ones_first_and_marked_zeros_quiet(client, db):
    staff = make_staff(db)
    make_case(db, callback_needed=True)
    make_case(db, callback_needed=True)
    make_job(db, make_case(db, counsellor_id=staff.id, status=CaseStatus.IN_COUNSELLING))
    db.commit()
    login(client, staff)
    shown = tiles(client.get("/dashboard/live").text)

    assert shown[0] == ("tile tile--urgent", "tile-callbacks", "#callbacks", "2 Rückrufe nötig")
    by_id = {tile_id: (cls, href, text) for cls, tile_id, href, text in shown}
    assert by_id["tile-my-cases"] == ("tile", "#my-cases", "1 offener Fall bei mir")
    assert by_id["tile-jobs-waiting"] == ("tile", "#jobs-waiting", "1 Einsatz wartet auf Betreuung")
    assert by_id["tile-unfilled"] == ("tile tile--zero", "#jobs-unfilled", "0 Einsätze ohne Zusage")
    assert by_id["tile-withdrawals"] == ("tile tile--zero", "#withdrawals", "0 Absagen von Ehrenamtlichen")
    assert by_id["tile-hours-to-confirm"][1:] == ("/hours", "0 Stundenangaben zu bestätigen")
    assert by_id["tile-hours-missing"][1] == "#hours-missing"
    # Ordered like the sections: urgent with entries, the day's work, then the zeros.
    classes = [cls for cls, *_ in shown]
    assert classes == sorted(classes, key=lambda cls: ("urgent" not in cls, "zero" in cls))
    # Every anchor leads to an element of the page.
    page = client.get("/").text
    for _cls, _id, href, _text in shown:
        if href.startswith("#"):
            assert f'id="{href[1:]}"' in page, href


def test_a_ringing_call_is_shown_first_with_its_number_and_case(client, db, clock):
    staff = make_staff(db)
    make_case(db, callback_needed=True)
    case = make_case(db, caller_phone="+4915123456789")
    make_call(db, case, status=CallStatus.RINGING, started_at=clock(), ended_at=None)
    make_call(db, make_case(db, caller_phone="+4951199999999"), started_at=clock())  # ended: not live
    login(client, staff)
    live = client.get("/dashboard/live").text

    assert section_ids(live)[0] == "live-calls"
    block = live[live.index('id="live-calls"') : live.index("</section>", live.index('id="live-calls"'))]
    assert "<h2>Anruf jetzt</h2>" in block and "klingelt" in block
    assert '<a href="tel:+4915123456789">' in block and f'<a href="/cases/{case.id}">Fall {case.number}</a>' in block
    assert "+4951199999999" not in block
    assert "data-news" not in block  # the call is announced once, by its entry under "Anrufe heute"
    assert live.index('id="live-calls"') < live.index('class="tiles"')


def test_without_a_live_call_there_is_no_block(client, db, clock):
    staff = make_staff(db)
    make_call(db, make_case(db), started_at=clock())
    login(client, staff)
    live = client.get("/dashboard/live").text
    assert 'id="live-calls"' not in live and "Anruf jetzt" not in live
