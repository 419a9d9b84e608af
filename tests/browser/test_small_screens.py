"""Every staff page works on a 390 px phone screen: the navigation wraps, wide tables scroll in their card,
and nothing makes the page itself scroll sideways; the dashboard's tiles leave room for the work below them.

The pages are enumerated from the app's routes (tests/browser/staff_pages.py), so a new page is measured too.
"""

import pytest

from tests.browser.staff_pages import IDS, LONG_NAME, NOT_PAGES, StaffWorld, build_world, log_in, staff_page_routes

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
IMPORT = (
    "Name;Handy;Fähigkeiten;Gemeinden;Verfügbarkeit;Führungszeugnis;SMS-Einwilligung\r\n"
    f"{LONG_NAME};0176 33334444;Kinder, Babys, Senioren, Demenz;Hannover, Laatzen, Garbsen;Mo-Fr 08-13;;ja\r\n"
    "Olga Petrenko;0511 1234567;Kinder;Neustadt am Rübenberge;Mo-Fr 08-13;;ja\r\n"
).encode()


def test_every_staff_page_is_listed(app):
    listed = set(StaffWorld(email="", ids=dict.fromkeys(IDS, 0)).pages())
    assert staff_page_routes(app) == listed | NOT_PAGES, "add the new page to StaffWorld.pages (or NOT_PAGES)"


def test_every_staff_page_fits_a_390_px_screen(browser, live_server, db, clock, app, tmp_path):
    app.state.volunteer_uploads = tmp_path
    world = build_world(db, clock())
    context = browser.new_context(viewport=PHONE, locale="de-DE", timezone_id="Europe/Berlin")
    page = context.new_page()
    log_in(page, live_server, world.email)
    widths = {}
    for route, path in world.pages().items():
        if route == "/login":
            continue  # logged in: /login shows the form again only after logging out, measured below
        response = page.goto(live_server + path)
        assert response is not None and response.status == 200, (path, response and response.status)
        widths[path] = page.evaluate("document.documentElement.scrollWidth")
    # Two pages that answer a form: the import's preview and a simulated call under way.
    page.goto(live_server + "/volunteers/import")
    page.get_by_label("Datei").set_input_files({"name": "liste.csv", "mimeType": "text/csv", "buffer": IMPORT})
    page.get_by_role("button", name="Hochladen und prüfen").click()
    page.locator("#preview-table").wait_for()
    widths["import preview"] = page.evaluate("document.documentElement.scrollWidth")
    page.goto(live_server + "/simulator/call")
    page.get_by_label("Anrufen von Nummer").fill("0151 23456789")
    page.get_by_role("button", name="Fluxxfon anrufen").click()
    page.locator("#transcript").wait_for()
    widths["simulated call"] = page.evaluate("document.documentElement.scrollWidth")
    page.get_by_role("button", name="Abmelden").click()
    page.goto(live_server + "/login")
    widths["/login"] = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    too_wide = {path: width for path, width in widths.items() if width > PHONE["width"]}
    assert not too_wide, too_wide


def test_the_dashboard_tiles_leave_most_of_the_first_screen_for_the_work(browser, live_server, db, clock):
    world = build_world(db, clock())
    context = browser.new_context(viewport=PHONE, locale="de-DE", timezone_id="Europe/Berlin")
    page = context.new_page()
    log_in(page, live_server, world.email)
    tiles = page.locator(".tiles").bounding_box()
    assert tiles is not None
    assert tiles["height"] <= PHONE["height"] / 4, tiles
    # The first list of work (call-backs) starts on the first screen, its heading readable.
    callbacks = page.locator("#callbacks h2").bounding_box()
    assert callbacks is not None and callbacks["y"] + callbacks["height"] < PHONE["height"], callbacks
    context.close()
