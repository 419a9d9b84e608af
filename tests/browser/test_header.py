"""The frame in KERN: the header keeps to one line at 1280 px for every role (the admin's eight links wrapped to a
header of about 235 px before), its folded group "Verwaltung" opens, closes with Escape (the focus back on the
button) and leads to its pages by keyboard only, and on a phone "Menü" does the same for the navigation while
"Fall finden" and the duty switch stay in view."""

import pytest
from playwright.sync_api import expect

from core.models import StaffRole
from core.navigation import visible_groups
from tests.browser.staff_pages import build_world, log_in
from tests.factories import make_staff

pytestmark = pytest.mark.browser

WIDE = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
ONE_LINE = 80  # px: the Kopfzeile (one line of small print) and the bar with 40 px controls

# Everything the bar shows (brand, duty switch, links, "Verwaltung", search), each with its box.
BOXES = """() => [...document.querySelectorAll('.bar__content > *')]
  .flatMap(e => [e, ...e.querySelectorAll('a, button')]).filter(e => e.checkVisibility())
  .map(e => { const r = e.getBoundingClientRect();
    return {text: e.textContent.trim().slice(0, 30), top: r.top, bottom: r.bottom, right: r.right}; })"""


def header_height(page) -> float:
    box = page.locator("header.top").bounding_box()
    assert box is not None
    return box["height"]


def open_context(browser, viewport):
    return browser.new_context(viewport=viewport, locale="de-DE", timezone_id="Europe/Berlin")


@pytest.mark.parametrize("role", list(StaffRole))
def test_the_header_keeps_to_one_line_at_1280_px_for_every_role(browser, live_server, db, clock, role):
    world = build_world(db, clock())  # its admin has the longest navigation
    if role == StaffRole.ADMIN:
        email = world.email
    else:
        email = make_staff(db, role=role, name="Friederike Müller-Lüdenscheidt von Hohenstein").email
        db.commit()
    context = open_context(browser, WIDE)
    page = context.new_page()
    log_in(page, live_server, email)
    for path in ("/", "/cases", "/admin/staff" if role == StaffRole.ADMIN else "/cases/new"):
        page.goto(live_server + path)
        assert header_height(page) <= ONE_LINE, (role, path, header_height(page))
        boxes = page.evaluate(BOXES)
        bar = page.locator(".bar__content").bounding_box()
        assert bar is not None
        # One line: every item lies within the bar's single row, and nothing runs past the right edge.
        assert all(bar["y"] <= box["top"] and box["bottom"] <= bar["y"] + bar["height"] for box in boxes), boxes
        assert max(box["right"] for box in boxes) <= WIDE["width"], boxes
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDE["width"]
        # "Fall finden" and the duty switch are in view; the Arbeit group's links are shown as they are.
        expect(page.get_by_role("search", name="Fall finden").get_by_role("searchbox")).to_be_visible()
        expect(page.locator("#duty-toggle")).to_be_visible()
        expect(page.locator("#duty-state")).to_be_visible()
    navigation = page.get_by_role("navigation", name="Hauptnavigation")
    for group, links in visible_groups(role, simulation=True):
        if not group.folded:
            for link in links:
                expect(navigation.get_by_role("link", name=link.label, exact=True)).to_be_visible()
    context.close()


def test_the_admins_folded_group_opens_and_closes_by_keyboard(browser, live_server, db, clock):
    world = build_world(db, clock())
    context = open_context(browser, WIDE)
    page = context.new_page()
    log_in(page, live_server, world.email)
    page.goto(live_server + "/admin/staff")
    navigation = page.get_by_role("navigation", name="Hauptnavigation")
    toggle = navigation.get_by_role("button", name="Verwaltung")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(navigation.get_by_role("link", name="Protokoll")).to_be_hidden()
    # The section of the page is marked although its link is folded away.
    expect(navigation.locator('[aria-current="page"]')).to_have_text("Mitarbeitende")

    # From the top of the page by keyboard only: skip link, logout, brand, duty switch, the Arbeit links, "Verwaltung".
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.hasAttribute('data-group-toggle')"):
            break
    expect(toggle).to_be_focused()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    for label in ("Stunden bestätigen", "Rechnungen", "Statistik", "Tarif", "Mitarbeitende", "Partner und Kommunen",
                  "Protokoll", "Auskunft und Löschung"):  # fmt: skip
        expect(navigation.get_by_role("link", name=label)).to_be_visible()
    assert header_height(page) <= ONE_LINE  # the links open over the page, the header keeps its line
    page.keyboard.press("Tab")
    expect(navigation.get_by_role("link", name="Stunden bestätigen")).to_be_focused()
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    expect(navigation.get_by_role("link", name="Protokoll")).to_be_hidden()

    # Tab past the last link folds the group again; Space opens it like Enter.
    page.keyboard.press(" ")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    for _ in range(9):  # the group's eight links, then past the last one
        page.keyboard.press("Tab")
    expect(page.get_by_role("search", name="Fall finden").get_by_role("searchbox")).to_be_focused()
    expect(toggle).to_have_attribute("aria-expanded", "false")

    # Back to the button, open, and follow the seventh link with Enter: the page it leads to is marked as current.
    page.keyboard.press("Shift+Tab")
    expect(toggle).to_be_focused()
    page.keyboard.press("Enter")
    for _ in range(7):  # to "Protokoll", the seventh of the group's links
        page.keyboard.press("Tab")
    expect(navigation.get_by_role("link", name="Protokoll")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Protokoll")
    expect(page).to_have_url(live_server + "/admin/audit")
    expect(navigation.get_by_role("button", name="Verwaltung")).to_have_attribute("aria-expanded", "false")
    expect(navigation.locator('[aria-current="page"]')).to_have_text("Protokoll")
    context.close()


def test_on_a_phone_the_menu_button_opens_the_navigation_by_keyboard(browser, live_server, db, clock):
    world = build_world(db, clock())
    context = open_context(browser, PHONE)
    page = context.new_page()
    log_in(page, live_server, world.email)
    navigation = page.get_by_role("navigation", name="Hauptnavigation")
    menu = page.get_by_role("button", name="Menü")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(navigation.get_by_role("link", name="Fälle")).to_be_hidden()
    # Without opening anything: the search, the duty switch and the logout.
    expect(page.get_by_role("search", name="Fall finden").get_by_role("searchbox")).to_be_visible()
    expect(page.get_by_role("button", name="Dienst beenden")).to_be_visible()
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
    closed = header_height(page)

    # From the top of the page by keyboard only: skip link, logout, brand, duty switch, then "Menü".
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.hasAttribute('data-menu-toggle')"):
            break
    expect(menu).to_be_focused()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    for group, links in visible_groups(StaffRole.ADMIN, simulation=True):
        expect(navigation.get_by_role("list", name=group.label)).to_be_visible()
        for link in links:
            expect(navigation.get_by_role("link", name=link.label, exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.keyboard.press("Tab")
    expect(navigation.get_by_role("link", name="Übersicht")).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    expect(navigation.get_by_role("link", name="Fälle")).to_be_hidden()
    assert header_height(page) == closed

    # Open again and follow a link with the keyboard only.
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(navigation.get_by_role("link", name="Fälle", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Fälle", exact=True)).to_be_visible()
    expect(page).to_have_url(live_server + "/cases")
    expect(menu).to_have_attribute("aria-expanded", "false")  # a new page starts with the menu closed
    assert closed <= 150, closed  # the Kopfzeile, brand with duty switch and "Menü", and the search
    context.close()


def test_the_breadcrumb_leads_from_a_job_back_to_its_case(browser, live_server, db, clock):
    from casework.cases.models import Case
    from casework.jobs.models import CareJob

    world = build_world(db, clock())
    job = db.get(CareJob, world.ids["job"])
    case_number = db.get_one(Case, job.case_id).number
    context = open_context(browser, WIDE)
    page = context.new_page()
    log_in(page, live_server, world.email)
    page.goto(f"{live_server}/jobs/{job.id}/edit")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Einsatz {job.code} ändern · Fall {case_number}")
    trail = page.get_by_role("navigation", name="Sie sind hier")
    expect(trail.get_by_role("link")).to_have_text(["Übersicht", "Fälle", f"Fall {case_number}"])
    expect(trail.locator('[aria-current="page"]')).to_have_text(f"Einsatz {job.code} ändern")
    trail.get_by_role("link", name=f"Fall {case_number}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Fall {case_number}")
    # The overview is the top: no breadcrumb there.
    page.goto(live_server + "/")
    expect(page.get_by_role("navigation", name="Sie sind hier")).to_have_count(0)
    context.close()


def test_kern_styles_fonts_and_icons_load_under_the_content_security_policy(browser, live_server, db, clock):
    world = build_world(db, clock())
    context = open_context(browser, WIDE)
    page = context.new_page()
    complaints, failed = [], []
    page.on("console", lambda message: complaints.append(message.text) if message.type == "error" else None)
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    # A request the next page.goto cancels (the icon of the page being left) is aborted, not failed.
    page.on(
        "requestfailed", lambda request: failed.append(request.url) if request.failure != "net::ERR_ABORTED" else None
    )
    log_in(page, live_server, world.email)
    for path in ("/", f"/cases/{world.ids['case']}", "/admin/staff"):
        page.goto(live_server + path)
        page.evaluate("document.fonts.ready")
        assert page.evaluate("document.fonts.check('16px \"Fira Sans\"')"), path
        assert page.evaluate("[...document.fonts].some(f => f.family.includes('Fira Sans') && f.status === 'loaded')")
        # KERN's icons are masks from data: URLs (img-src 'self' data:): the search button shows its magnifier.
        icon = page.locator(".top-search .kern-icon").evaluate("e => getComputedStyle(e).maskImage")
        assert icon.startswith('url("data:image/svg+xml'), icon
    assert failed == [] and complaints == [], (failed, complaints)
    context.close()
