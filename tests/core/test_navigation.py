"""The navigation's groups per role and the breadcrumb above each page (core/navigation.py)."""

import pytest

from core.models import StaffRole
from core.navigation import NAV_LINKS, NAVIGATION, breadcrumb, visible_groups


def shown(role: StaffRole, *, simulation: bool) -> dict[str, list[str]]:
    return {group.label: [link.label for link in links] for group, links in visible_groups(role, simulation=simulation)}


def test_a_counsellor_sees_the_case_work_and_no_administration():
    assert shown(StaffRole.COUNSELLOR, simulation=False) == {"Arbeit": ["Übersicht", "Fälle", "Neuer Fall"]}


def test_a_coordinator_also_works_with_volunteers_messages_hours_and_bills():
    assert shown(StaffRole.COORDINATOR, simulation=False) == {
        "Arbeit": ["Übersicht", "Fälle", "Neuer Fall", "Ehrenamtliche", "Nachrichten"],
        "Verwaltung": ["Stunden bestätigen", "Rechnungen", "Statistik"],
    }


def test_an_admin_also_sees_the_administration_folded_into_a_group():
    groups = shown(StaffRole.ADMIN, simulation=True)
    assert groups == {
        "Arbeit": ["Übersicht", "Fälle", "Neuer Fall", "Ehrenamtliche", "Nachrichten", "Telefon-Simulator"],
        "Verwaltung": [
            "Stunden bestätigen",
            "Rechnungen",
            "Statistik",
            "Tarif",
            "Mitarbeitende",
            "Partner und Kommunen",
            "Protokoll",
            "Auskunft und Löschung",
        ],
    }
    assert [group.folded for group, _ in visible_groups(StaffRole.ADMIN, simulation=True)] == [False, True]


def test_the_simulator_is_in_the_navigation_only_in_simulation_mode():
    assert "Telefon-Simulator" in shown(StaffRole.COUNSELLOR, simulation=True)["Arbeit"]
    assert "Telefon-Simulator" not in shown(StaffRole.ADMIN, simulation=False)["Arbeit"]


def test_every_link_is_in_exactly_one_group():
    assert len(NAV_LINKS) == len(set(NAV_LINKS)) == sum(len(group.links) for group in NAVIGATION)


@pytest.mark.parametrize(
    ("path", "trail"),
    [("/", []), ("/login", []), ("/cases", ["/"]), ("/cases/12", ["/", "/cases"]), ("/cases/12/edit", ["/", "/cases"]),
     ("/jobs/7/edit", ["/", "/cases"]), ("/cases/new", ["/"]), ("/volunteers/import", ["/", "/volunteers"]),
     ("/admin/audit/cases/4", ["/", "/admin/audit"]), ("/simulator/call", ["/", "/simulator"])],
)  # fmt: skip
def test_the_breadcrumb_leads_from_the_overview_through_the_section(path, trail):
    assert [link.href for link in breadcrumb(path)] == trail
