"""The staff pages' navigation: its links in two groups, who sees which, the section a page is in, its breadcrumb.

One list for the header (shell/base.html), `aria-current` and the breadcrumb, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.models import StaffRole


@dataclass(frozen=True)
class NavLink:
    href: str
    label: str
    role: StaffRole = StaffRole.COUNSELLOR  # the least role that sees the link
    simulation_only: bool = False

    def shown_to(self, role: StaffRole, *, simulation: bool) -> bool:
        return role.covers(self.role) and (simulation or not self.simulation_only)


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: str
    links: tuple[NavLink, ...]
    # Folded behind a disclosure button on wide screens too, so that the header keeps to one line at 1280 px;
    # "Arbeit" stays in view: every role's daily pages are one click away.
    folded: bool = False


OVERVIEW = NavLink("/", "Übersicht")
NAVIGATION = (
    NavGroup("arbeit", "Arbeit", (
        OVERVIEW,
        NavLink("/cases", "Fälle"),
        NavLink("/cases/new", "Neuer Fall"),
        NavLink("/volunteers", "Ehrenamtliche", StaffRole.COORDINATOR),
        NavLink("/messages", "Nachrichten", StaffRole.COORDINATOR),
        NavLink("/simulator", "Telefon-Simulator", simulation_only=True),
    )),
    # Hours and bills sit here too: one folded group keeps the admin's header to one line at 1280 px.
    NavGroup("verwaltung", "Verwaltung", (
        NavLink("/hours", "Stunden bestätigen", StaffRole.COORDINATOR),
        NavLink("/bills", "Rechnungen", StaffRole.COORDINATOR),
        NavLink("/statistics", "Statistik", StaffRole.COORDINATOR),
        NavLink("/admin/tariff", "Tarif", StaffRole.ADMIN),
        NavLink("/admin/staff", "Mitarbeitende", StaffRole.ADMIN),
        NavLink("/admin/partners", "Partner und Kommunen", StaffRole.ADMIN),
        NavLink("/admin/audit", "Protokoll", StaffRole.ADMIN),
        NavLink("/admin/auskunft", "Auskunft und Löschung", StaffRole.ADMIN),
    ), folded=True),
)  # fmt: skip

# The navigation's links; a page belongs to the longest one its path starts with.
NAV_LINKS = tuple(link.href for group in NAVIGATION for link in group.links)
# Pages reached from a section without a link of their own: a job is part of its case.
NAV_ALIASES = {"/jobs": "/cases", "/calls": "/cases"}
_BY_HREF = {link.href: link for group in NAVIGATION for link in group.links}


def nav_section(path: str) -> str | None:
    """The navigation link of the section `path` is in: /cases/12/edit is in "Fälle", /cases/new is not."""
    for prefix, section in NAV_ALIASES.items():
        if path == prefix or path.startswith(prefix + "/"):
            return section
    matches = [link for link in NAV_LINKS if path == link or (link != "/" and path.startswith(link + "/"))]
    return max(matches, key=len, default=None)


def visible_groups(role: StaffRole, *, simulation: bool) -> list[tuple[NavGroup, list[NavLink]]]:
    """The groups with the links `role` sees (the simulator only in simulation mode); empty groups left out."""
    shown = [(group, [link for link in group.links if link.shown_to(role, simulation=simulation)])
             for group in NAVIGATION]  # fmt: skip
    return [(group, links) for group, links in shown if links]


def breadcrumb(path: str) -> list[NavLink]:
    """The links above a page in its breadcrumb: the overview, then the page's section unless it is the page.

    The overview itself has none; a page may add its own steps after these (a case above its edit page).
    """
    section = nav_section(path)
    if section is None or path == "/":
        return []
    trail = [OVERVIEW]
    if section != "/" and path != section:
        trail.append(_BY_HREF[section])
    return trail
