"""Tables on phones and at the desk (issue 18, point 5).

At 390 px every list table stacks its rows into blocks: no table and no card scrolls sideways, every cell lies
inside the screen and shows its column's name; at 1280 px they are tables again, long text wraps within the
card. The case and volunteer lists sort by keyboard alone (Tab to a header, Enter): the URL carries the order,
the rows follow it, the header says aria-sort and the caption says the order in German. axe-core finds nothing
serious on these pages, sorted or not, at either width.
"""

import re
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from casework.search.rules import name_key
from core import audit
from tests.browser.staff_pages import build_world, findings_on_every_page, log_in
from tests.factories import make_case, make_staff

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 800}
TABLE_PAGES = ["/cases", "/volunteers", "/messages", "/admin/staff", "/admin/audit/cases/{case}",
               "/admin/audit/staff/{staff}", "/hours", "/bills"]  # fmt: skip
SORTED = ["/cases?sort=caller&dir=asc", "/cases?sort=municipality&dir=desc", "/volunteers?sort=certificate&dir=asc"]

# Per list table: does it or its container scroll sideways, which cells leave the screen, which cells
# show no label (or another than their column's), and how the table is displayed.
MEASURE = """() => {
  const screen = document.documentElement.clientWidth;
  const header = th => {
    const link = th.querySelector('.sort-link');
    return (link ? link.firstChild.textContent : th.textContent).trim();
  };
  return [...document.querySelectorAll('main table.stack')].map(table => {
    const heads = [...table.querySelectorAll('thead th')].map(header);
    const cells = [...table.querySelectorAll('tbody td')].filter(td => td.checkVisibility());
    const outside = [], unlabelled = [];
    for (const td of cells) {
      const box = td.getBoundingClientRect();
      if (box.left < -0.5 || box.right > screen + 0.5 || box.width < 1)
        outside.push(td.textContent.trim().slice(0, 40));
      if (td.colSpan > 1 || td.classList.contains('action')) continue;
      const before = getComputedStyle(td, '::before');
      const shown = before.display !== 'none' ? before.content : 'none';
      if (shown !== JSON.stringify(heads[td.cellIndex] || '?') || td.dataset.label !== heads[td.cellIndex])
        unlabelled.push([heads[td.cellIndex], td.dataset.label, shown]);
    }
    const box = table.parentElement;
    return {id: table.id, cells: cells.length, display: getComputedStyle(table).display,
            cellDisplay: cells.length ? getComputedStyle(cells[0]).display : null,
            tableScrolls: table.scrollWidth > table.clientWidth + 1, boxScrolls: box.scrollWidth > box.clientWidth + 1,
            pageScrolls: document.documentElement.scrollWidth > screen, outside, unlabelled};
  });
}"""


@pytest.fixture
def world(db, clock):
    world = build_world(db, clock())
    # A few more cases with ties and gaps for sorting, and log entries with long details for the audit page.
    for name in ["Zoe Zander", None, "anna Albers", "Ömer Öztürk", "Bernd Brandt"]:
        make_case(db, caller_name=name, opened_at=clock() - timedelta(minutes=7 * (len(name or "") + 1)))
    staff = make_staff(db, name="Konstantin Wolkenstein-Übermaßen")
    audit.record(db, audit.Actor(staff_id=staff.id, ip="2001:db8:85a3:8d3:1319:8a2e:370:7348", now=clock()),
                 action="case.view", object_type="case", object_id=world.ids["case"], case_id=world.ids["case"],
                 detail={"fields": ["caller_name", "address", "need", "district"] * 3})  # fmt: skip
    db.commit()
    return world


def open_page(browser, live_server, world, viewport):
    context = browser.new_context(viewport=viewport, locale="de-DE", timezone_id="Europe/Berlin")
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, live_server, world.email)
    return context, page


def test_at_390_px_no_table_scrolls_sideways_and_every_cell_shows_its_label(browser, live_server, world):
    context, page = open_page(browser, live_server, world, PHONE)
    found = {}
    for template in TABLE_PAGES + SORTED:
        path = template.format(**world.ids)
        page.goto(live_server + path)
        for table in page.evaluate(MEASURE):
            checks = ("tableScrolls", "boxScrolls", "pageScrolls", "outside", "unlabelled")
            problems = {key: table[key] for key in checks if table[key]}
            assert table["cellDisplay"] in (None, "block"), (path, table)
            if problems:
                found[f"{path} #{table['id']}"] = problems
        if path == "/cases":
            # The case number first and prominent: the first block of a row, over the whole width.
            lead = page.locator("#case-table tbody tr").first.locator("td").first
            row = page.locator("#case-table tbody tr").first.bounding_box()
            box = lead.bounding_box()
            assert box and row and box["y"] - row["y"] < 20 and box["width"] > 0.9 * row["width"], (box, row)
            assert re.match(r"\d{4}-\d{6}", lead.inner_text()), lead.inner_text()
            assert lead.evaluate("td => getComputedStyle(td, '::before').content") == '"Fall"'
    context.close()
    assert found == {}


def test_at_390_px_screen_readers_still_get_a_table_with_headers_and_labelled_cells(browser, live_server, world):
    """Chromium keeps a table's roles when its rows are displayed as blocks (the browser's own tree, via CDP)."""
    context, page = open_page(browser, live_server, world, PHONE)
    page.goto(live_server + "/cases")
    nodes = context.new_cdp_session(page).send("Accessibility.getFullAXTree")["nodes"]
    roles = [node.get("role", {}).get("value") for node in nodes]
    assert roles.count("table") == 1 and roles.count("columnheader") == 8, roles
    names = [node.get("name", {}).get("value", "") for node in nodes if node.get("role", {}).get("value") == "cell"]
    assert names and all(
        re.match(r"(Fall|Eröffnet|Anrufer/in|Telefon|Anliegen|Status|Kommune|Beratung) ", n) for n in names
    )
    context.close()


def test_at_1280_px_the_lists_are_tables_whose_long_text_wraps(browser, live_server, world):
    context, page = open_page(browser, live_server, world, WIDE)
    for template in TABLE_PAGES:
        path = template.format(**world.ids)
        page.goto(live_server + path)
        for table in page.evaluate(MEASURE):
            assert table["display"] == "table", (path, table)
            assert table["cellDisplay"] in (None, "table-cell"), (path, table)
            assert not table["boxScrolls"] and not table["pageScrolls"], (path, table)
    # A long SMS is a few wide lines, not a tall narrow column.
    page.goto(live_server + "/messages")
    body = page.locator("#messages td.sms-body").first.bounding_box()
    assert body is not None and body["width"] >= 280 and body["height"] < 160, body
    context.close()


def callers(page) -> list[str]:
    return page.locator("#case-table tbody td[data-label='Anrufer/in']").all_inner_texts()


def tab_to(page, selector: str, limit: int = 120) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"{selector} never got the focus")


def test_the_case_list_sorts_by_keyboard_alone(browser, live_server, world):
    context, page = open_page(browser, live_server, world, WIDE)
    page.goto(live_server + "/cases?status=")
    expect(page.locator("#case-table caption")).to_contain_text("Sortiert nach Eröffnet, neueste zuerst")
    expect(page.locator("#case-table th[aria-sort]")).to_have_attribute("aria-sort", "descending")
    tab_to(page, "#case-table a[data-sort='caller']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/cases\?status=&sort=caller&dir=asc$"))
    expect(page.locator("#case-table caption")).to_contain_text("Sortiert nach Anrufer/in, A bis Z")
    header = page.locator("#case-table th[aria-sort]")
    expect(header).to_have_count(1)
    expect(header).to_have_attribute("aria-sort", "ascending")
    expect(header.locator(".sort-arrow")).to_be_visible()
    names = callers(page)
    named = [name for name in names if name != "–"]
    assert len(named) >= 5 and named == sorted(named, key=name_key), names
    assert names[len(named) :] == ["–"] * (len(names) - len(named)), "cases without a name come last"
    # Again, by keyboard: the same header turns the order round.
    tab_to(page, "#case-table a[data-sort='caller']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"sort=caller&dir=desc$"))
    expect(page.locator("#case-table th[aria-sort]")).to_have_attribute("aria-sort", "descending")
    expect(page.locator("#case-table caption")).to_contain_text("Sortiert nach Anrufer/in, Z bis A")
    named_desc = [name for name in callers(page) if name != "–"]
    assert named_desc == sorted(named, key=name_key, reverse=True)
    # The filter form keeps the order.
    page.get_by_label("Anliegen").select_option(label="Kinderbetreuung")
    page.get_by_role("button", name="Suchen").click()
    page.wait_for_url(re.compile(r"sort=caller&dir=desc"))
    context.close()


def test_the_volunteer_list_sorts_by_keyboard_alone(browser, live_server, world):
    context, page = open_page(browser, live_server, world, WIDE)
    page.goto(live_server + "/volunteers")
    expect(page.locator("#volunteer-table caption")).to_contain_text("Sortiert nach Name, A bis Z")
    first_names = page.locator("#volunteer-table tbody td.lead").all_inner_texts()
    tab_to(page, "#volunteer-table a[data-sort='name']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/volunteers\?sort=name&dir=desc$"))
    expect(page.locator("#volunteer-table th[aria-sort]")).to_have_attribute("aria-sort", "descending")
    expect(page.locator("#volunteer-table caption")).to_contain_text("Sortiert nach Name, Z bis A")
    names = page.locator("#volunteer-table tbody td.lead").all_inner_texts()
    assert names != first_names and names == sorted(names, reverse=True), names
    # The next page keeps the order.
    if page.locator("#next-page").count():
        assert "sort=name" in page.locator("#next-page").get_attribute("href")
    context.close()


def blocking(page) -> list[str]:
    results = Axe().run(page, options={"resultTypes": ["violations"]})
    return [f"{v['id']}: {[node['target'] for node in v['nodes']]}" for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")]  # fmt: skip


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1280", "390"])
def test_axe_finds_nothing_serious_on_the_tables(browser, live_server, world, viewport):
    context, page = open_page(browser, live_server, world, viewport)
    found = {}
    for template in TABLE_PAGES + SORTED:
        path = template.format(**world.ids)
        page.goto(live_server + path)
        if violations := blocking(page):
            found[path] = violations
    context.close()
    assert found == {}


FILTERS = """() => {
  const form = document.querySelector('main form.filters');
  const labels = [...form.querySelectorAll('label')].map(l => {
    const line = parseFloat(getComputedStyle(l).lineHeight);
    const lines = Math.round(l.getBoundingClientRect().height / line);
    return {text: l.textContent, cut: l.scrollWidth > l.clientWidth, lines};
  });
  const fields = [...form.querySelectorAll('input:not([type=hidden]), select, button')].map(f => {
    const r = f.getBoundingClientRect();
    return {name: f.name || f.textContent.trim(), top: r.top, bottom: r.bottom, height: r.height};
  });
  return {labels, fields};
}"""


def test_at_1280_px_the_filter_forms_align(browser, live_server, world):
    """Labels on one line and whole, fields of one height, the button on the line of the fields beside it."""
    context, page = open_page(browser, live_server, world, WIDE)
    for path in ["/cases", "/volunteers", "/bills", f"/admin/audit/cases/{world.ids['case']}"]:
        page.goto(live_server + path)
        found = page.evaluate(FILTERS)
        assert [label for label in found["labels"] if label["cut"] or label["lines"] != 1] == [], (path, found)
        heights = {round(field["height"]) for field in found["fields"]}
        assert len(heights) == 1, (path, found["fields"])
        button = found["fields"][-1]
        beside = [field for field in found["fields"][:-1] if abs(field["bottom"] - button["bottom"]) < 1]
        assert beside, (path, found["fields"])
    context.close()


# Every visible table in the main part of a page: wider than its container (so it would scroll sideways) or
# reaching past the right edge of the screen.
TOO_WIDE = """() => {
  const screen = document.documentElement.clientWidth;
  return [...document.querySelectorAll('main table')].filter(t => t.checkVisibility()).map(t => {
    const box = t.parentElement, right = t.getBoundingClientRect().right;
    return {table: t.id || t.className, scrolls: box.scrollWidth > box.clientWidth + 1, outside: right > screen + 0.5};
  }).filter(found => found.scrolls || found.outside);
}"""


def test_no_table_on_any_staff_page_scrolls_sideways_on_a_phone(browser, live_server, world):
    """Not only the lists: bills, tariffs, partners, statistics, a volunteer's history (staff_pages.py)."""
    assert findings_on_every_page(browser, live_server, world, PHONE, lambda page: page.evaluate(TOO_WIDE)) == {}
