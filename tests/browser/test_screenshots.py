"""Screenshots for review (issue 18): the dashboard, a case, a job and the volunteer list, full page, at the desk
(1280 px) and on a phone (390 px), saved as PNG files a reviewer can look at without running anything.

They go to FLUXX_SCREENSHOT_DIR, or to artifacts/screenshots/ in the checkout (git-ignored); .ci/run keeps that
folder as the CI's artefacts and says where it is. Each run overwrites the files of the last one."""

import os
from pathlib import Path

import pytest

from tests.browser.staff_pages import build_world, log_in

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
PAGES = {"dashboard": "/", "case": "/cases/{case}", "job": "/jobs/{job}", "volunteers": "/volunteers"}
VIEWPORTS = {1280: 800, 390: 844}  # width → height
PNG = b"\x89PNG\r\n\x1a\n"


def screenshot_dir() -> Path:
    return Path(os.environ.get("FLUXX_SCREENSHOT_DIR") or ROOT / "artifacts" / "screenshots")


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header (its first chunk, IHDR)."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG and head[12:16] == b"IHDR", path
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def test_screenshots_of_the_main_pages_at_both_widths_are_saved(browser, live_server, db, clock):
    world = build_world(db, clock())
    directory = screenshot_dir()
    directory.mkdir(parents=True, exist_ok=True)
    saved = []
    for width, height in VIEWPORTS.items():
        context = browser.new_context(viewport={"width": width, "height": height}, locale="de-DE",
                                      timezone_id="Europe/Berlin")  # fmt: skip
        page = context.new_page()
        log_in(page, live_server, world.email)
        for name, path in PAGES.items():
            page.goto(live_server + path.format(**world.ids))
            page.evaluate("document.fonts.ready")
            target = directory / f"{name}-{width}.png"
            target.unlink(missing_ok=True)
            page.screenshot(path=target, full_page=True, animations="disabled", caret="hide")
            saved.append((target, width, height))
        context.close()

    for target, width, height in saved:
        assert target.stat().st_size > 10_000, target  # a page, not an empty frame
        shot_width, shot_height = png_size(target)
        assert shot_width == width and shot_height >= height, (target, shot_width, shot_height)
