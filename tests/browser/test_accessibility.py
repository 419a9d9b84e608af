"""Accessibility in Chromium: axe-core finds nothing serious on the main staff pages, the navigation says where
one is, the login starts in the e-mail field, field borders and the focus ring stand out at least 3:1
(WCAG 1.4.11), every KERN colour role in use (tokens.css) and KERN's badges have enough contrast as Chromium
resolves them, repeated buttons name what they act on, numbers can be tapped, and there is a favicon."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy.orm import selectinload

from core import phone
from tests.browser.staff_pages import build_world, findings_on_every_page, log_in

pytestmark = pytest.mark.browser

AXE_PAGES = ["/", "/cases", "/cases/{case}", "/cases/{case}/edit", "/cases/new", "/cases/{case}/jobs/new",
             "/jobs/{job}", "/jobs/{job}/edit", "/volunteers", "/messages", "/admin/staff", "/admin/audit",
             "/admin/audit/cases/{case}"]  # fmt: skip
BLOCKING = {"serious", "critical"}


@pytest.fixture
def world(db, clock):
    return build_world(db, clock())


@pytest.fixture
def staff_page(page, live_server, world):
    log_in(page, live_server, world.email)
    return page


def blocking_violations(page) -> list[str]:
    """axe-core (bundled with axe-playwright-python, nothing fetched) on the page: the serious and critical
    findings, each with the elements it names."""
    results = Axe().run(page, options={"resultTypes": ["violations"]})
    return [
        f"{v['id']} ({v['impact']}): {v['help']} – {[node['target'] for node in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


def test_axe_finds_nothing_serious_on_the_login_page(page, live_server):
    page.goto(live_server + "/login")
    assert blocking_violations(page) == []


def test_axe_finds_nothing_serious_on_the_main_staff_pages(staff_page, live_server, world):
    found = {}
    for template in AXE_PAGES:
        path = template.format(**world.ids)
        staff_page.goto(live_server + path)
        if violations := blocking_violations(staff_page):
            found[path] = violations
    assert found == {}


@pytest.mark.parametrize("width", [1280, 390], ids=["desk", "phone"])
def test_axe_finds_nothing_serious_on_any_staff_page_at_the_desk_and_on_a_phone(browser, live_server, world, width):
    """Every staff page (tests/browser/staff_pages.py), at 1280 px and at 390 px."""
    viewport = {"width": width, "height": 844 if width < 600 else 900}
    assert findings_on_every_page(browser, live_server, world, viewport, blocking_violations) == {}


# Each page and the navigation link marked as its section: a case's and a job's pages are in "Fälle".
SECTIONS = [("/", "Übersicht"), ("/cases", "Fälle"), ("/cases/{case}", "Fälle"), ("/cases/{case}/edit", "Fälle"),
            ("/jobs/{job}", "Fälle"), ("/cases/new", "Neuer Fall"), ("/volunteers/{volunteer}", "Ehrenamtliche"),
            ("/admin/audit/cases/{case}", "Protokoll"), ("/admin/staff", "Mitarbeitende")]  # fmt: skip


def test_the_navigation_marks_the_section_of_the_page_as_current(staff_page, live_server, world):
    navigation = staff_page.get_by_role("navigation", name="Hauptnavigation")
    for template, current in SECTIONS:
        staff_page.goto(live_server + template.format(**world.ids))
        marked = navigation.locator('[aria-current="page"]')
        expect(marked).to_have_count(1)
        expect(marked).to_have_text(current)


def test_the_login_starts_in_the_e_mail_field(page, live_server):
    page.goto(live_server + "/login")
    expect(page.get_by_label("E-Mail-Adresse")).to_be_focused()


def _rgb(colour: str) -> tuple[float, float, float]:
    match = re.fullmatch(r"rgba?\((\d+), (\d+), (\d+)(?:, ([\d.]+))?\)", colour)
    assert match, colour
    assert match.group(4) in (None, "1"), f"translucent colour {colour}"
    red, green, blue = (int(match.group(n)) for n in (1, 2, 3))
    return red, green, blue


def contrast(first: str, second: str) -> float:
    """The WCAG 2 contrast ratio of two CSS colours."""

    def luminance(colour: str) -> float:
        channels = [c / 255 for c in _rgb(colour)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# The colour behind an element: the first ancestor (itself excluded) with an opaque background.
BACKGROUND_BEHIND = """element => {
  for (let node = element.parentElement; node; node = node.parentElement) {
    const colour = getComputedStyle(node).backgroundColor;
    if (colour !== 'rgba(0, 0, 0, 0)' && colour !== 'transparent') return colour;
  }
  return getComputedStyle(document.documentElement).backgroundColor;
}"""


# KERN's colour tokens are oklch(), and Chromium reports computed colours in the space they were written in: a
# canvas turns any CSS colour into the sRGB values the contrast formula needs.
AS_RGB = """colour => {
  const canvas = document.createElement('canvas').getContext('2d');
  canvas.fillStyle = colour;
  canvas.fillRect(0, 0, 1, 1);
  const [red, green, blue, alpha] = canvas.getImageData(0, 0, 1, 1).data;
  return alpha === 255 ? `rgb(${red}, ${green}, ${blue})` : `rgba(${red}, ${green}, ${blue}, ${alpha / 255})`;
}"""


def rgb(page, colour: str) -> str:
    """A CSS colour as `rgb(r, g, b)`, as the browser paints it."""
    return page.evaluate(AS_RGB, colour)


def test_contrast_ratio_matches_the_wcag_examples():
    assert contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)") == pytest.approx(21)
    assert contrast("rgb(118, 118, 118)", "rgb(255, 255, 255)") == pytest.approx(4.54, abs=0.01)


def test_field_borders_and_the_focus_ring_stand_out_three_to_one(staff_page, live_server):
    staff_page.goto(live_server + "/cases/new")
    page_background = rgb(staff_page, staff_page.evaluate("getComputedStyle(document.body).backgroundColor"))
    for field in (staff_page.get_by_label("Name", exact=True), staff_page.get_by_label("Anliegen", exact=True)):
        border = rgb(staff_page, field.evaluate("e => getComputedStyle(e).borderTopColor"))
        behind = rgb(staff_page, field.evaluate(BACKGROUND_BEHIND))
        assert contrast(border, behind) >= 3, (border, behind)
        assert contrast(border, page_background) >= 3, (border, page_background)
        field.focus()
        ring = field.evaluate("e => [getComputedStyle(e).outlineStyle, getComputedStyle(e).outlineWidth, "
                              "getComputedStyle(e).outlineColor]")  # fmt: skip
        assert ring[0] == "solid" and float(ring[1].removesuffix("px")) >= 2, ring
        ring_colour = rgb(staff_page, ring[2])
        assert contrast(ring_colour, behind) >= 3, (ring_colour, behind)
        assert contrast(ring_colour, page_background) >= 3, (ring_colour, page_background)
    # A button reached with the keyboard shows the same ring.
    staff_page.get_by_label("Name", exact=True).focus()
    staff_page.keyboard.press("Tab")
    focused = staff_page.evaluate_handle("document.activeElement")
    ring = focused.evaluate("e => [getComputedStyle(e).outlineStyle, getComputedStyle(e).outlineColor]")
    assert ring[0] == "solid" and contrast(rgb(staff_page, ring[1]), page_background) >= 3, ring


def test_repeated_buttons_name_the_case_job_or_call_they_act_on(staff_page, live_server, world, db):
    from casework.cases.models import Case
    from casework.cases.service import get_case

    case = db.get(Case, world.ids["case"])
    staff_page.goto(live_server + "/")
    callbacks = staff_page.locator("#callbacks")
    expect(callbacks.get_by_role("button", name=f"Ich rufe zurück – Fall {case.number}", exact=True)).to_have_count(1)
    expect(callbacks.get_by_role("button", name=re.compile(r"^Ich rufe zurück$"))).to_have_count(0)
    # Each "Kein Fall" reason names the call: "Verwählt (Anruf 10:30 Uhr von 01512 3456789)".
    reasons = staff_page.locator("#calls-today form.no-case").first.get_by_role("button")
    expect(reasons.first).to_have_accessible_name(re.compile(r"^\S.* \(Anruf \d\d:\d\d Uhr von .+\)$"))
    staff_page.goto(live_server + f"/cases/{case.id}")
    for job in get_case(db, case_id=case.id, load=[selectinload(Case.jobs)]).jobs:
        jobs = staff_page.locator("#jobs")
        expect(jobs.get_by_role("button", name=f"Einsatz {job.code} absagen", exact=True)).to_have_count(1)
        expect(jobs.get_by_role("link", name=f"Einsatz {job.code} ändern", exact=True)).to_have_count(1)
    # Sighted users still read only the short words.
    hidden = staff_page.locator("#jobs button .visually-hidden").first.bounding_box()
    assert hidden is not None and hidden["width"] <= 1 and hidden["height"] <= 1, hidden


def test_phone_numbers_shown_to_staff_can_be_tapped_to_call(staff_page, live_server, world, db):
    from casework.cases.models import Case

    case = db.get(Case, world.ids["case"])
    readable = phone.display(case.caller_phone)
    for path in ("/", f"/cases/{case.id}", f"/cases?q={case.number}"):
        staff_page.goto(live_server + path)
        link = staff_page.locator(f'a[href="tel:{case.caller_phone}"]').first
        expect(link).to_have_text(readable)
    staff_page.goto(live_server + f"/volunteers/{world.ids['volunteer']}")
    expect(staff_page.locator(f'a[href="tel:{world.ids["volunteer_phone"]}"]')).to_have_count(1)


def test_the_pages_have_a_favicon_and_favicon_ico_answers(page, live_server):
    missing = []
    page.on("response", lambda response: missing.append(response.url) if response.status >= 400 else None)
    page.goto(live_server + "/login")
    icon = page.locator('link[rel="icon"]').get_attribute("href")
    answer = page.request.get(live_server + icon)
    assert answer.status == 200 and answer.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in answer.text()
    legacy = page.request.get(live_server + "/favicon.ico")
    assert legacy.status == 200 and legacy.url.endswith(icon)
    assert missing == []


# --- The contrast of every KERN colour in use (issue 18, point 7) ---------------------------------------------------
# Each role of fluxx/static/tokens.css, resolved by Chromium (a probe element painted in it), against the backgrounds
# it is used on in our CSS: text 4.5:1 (WCAG 1.4.3), field borders and the focus ring 3:1 (WCAG 1.4.11).
BACKGROUNDS = ("surface", "page")
TEXT_PAIRS = [
    *[("text", on) for on in (*BACKGROUNDS, "ok-bg", "info-bg", "warn-bg", "err-bg", "neutral-bg")],
    *[("muted", on) for on in (*BACKGROUNDS, "neutral-bg")],  # small print, the "Nicht im Dienst" pill
    *[("action", on) for on in BACKGROUNDS],  # links and secondary buttons
    ("on-action", "action"),  # primary buttons
    # Messages, pills and statuses: each feedback colour on its own background, on cards and on the page.
    *[(tone, on) for tone in ("ok", "info", "warn", "err") for on in (f"{tone}-bg", *BACKGROUNDS)],
]
BORDER_PAIRS = [(role, on) for role in ("field", "focus") for on in BACKGROUNDS]
BADGES = ("info", "success", "warning", "danger")

# The colour a role paints, as Chromium computes it (var() chains resolved), turned into sRGB.
ROLE_COLOUR = """role => {
  const probe = document.createElement('span');
  probe.style.color = `var(--fx-${role})`;
  document.body.appendChild(probe);
  const colour = getComputedStyle(probe).color;
  probe.remove();
  return getComputedStyle(document.documentElement).getPropertyValue(`--fx-${role}`).trim() ? colour : null;
}"""

# A KERN badge as the pages use it: its label's colour and the badge's background.
BADGE_COLOURS = """tone => {
  const badge = document.createElement('span');
  badge.className = `kern-badge kern-badge--${tone}`;
  const label = document.createElement('span');
  label.className = 'kern-label';
  label.textContent = 'Status';
  badge.appendChild(label);
  document.querySelector('main').appendChild(badge);
  const colours = [getComputedStyle(label).color, getComputedStyle(badge).backgroundColor];
  badge.remove();
  return colours;
}"""


def too_weak(pairs: list[tuple[str, str]], colours: dict[str, str], minimum: float) -> list[str]:
    """The pairs below `minimum`, each as 'fore on back: colour on colour = ratio'."""
    weak = []
    for fore, back in pairs:
        ratio = contrast(colours[fore], colours[back])
        if ratio < minimum:
            weak.append(f"--fx-{fore} on --fx-{back}: {colours[fore]} on {colours[back]} = {ratio:.2f}:1 < {minimum}:1")
    return weak


def test_every_kern_colour_in_use_has_enough_contrast_in_the_browser(staff_page, live_server, world):
    staff_page.goto(f"{live_server}/cases/{world.ids['case']}")
    roles = {role for pair in TEXT_PAIRS + BORDER_PAIRS for role in pair}
    resolved = {role: staff_page.evaluate(ROLE_COLOUR, role) for role in sorted(roles)}
    assert [role for role, colour in resolved.items() if colour is None] == [], "roles missing in tokens.css"
    colours = {role: rgb(staff_page, colour) for role, colour in resolved.items()}
    # Every role in use is a real, opaque colour: a translucent one would make the ratio depend on what is behind.
    assert all(colour.startswith("rgb(") for colour in colours.values()), colours

    weak = too_weak(TEXT_PAIRS, colours, 4.5) + too_weak(BORDER_PAIRS, colours, 3)
    for tone in BADGES:
        label, background = (rgb(staff_page, c) for c in staff_page.evaluate(BADGE_COLOURS, tone))
        if (ratio := contrast(label, background)) < 4.5:
            weak.append(f"kern-badge--{tone}: {label} on {background} = {ratio:.2f}:1 < 4.5:1")
    assert weak == [], "\n".join(weak)


def test_a_weak_pair_fails_with_both_colours_and_the_ratio():
    colours = {"muted": "rgb(170, 170, 170)", "surface": "rgb(255, 255, 255)"}
    assert too_weak([("muted", "surface")], colours, 4.5) == [
        "--fx-muted on --fx-surface: rgb(170, 170, 170) on rgb(255, 255, 255) = 2.32:1 < 4.5:1"
    ]
