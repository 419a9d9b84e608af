"""The design system: KERN 2.7.2 vendored with its licence and version, served with the right types, every page
template built on the KERN frame, and our own CSS using KERN's tokens instead of colours of its own."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "fluxx" / "static"
KERN = STATIC / "kern"
TEMPLATES = ROOT / "templates"
BASE = "shell/base.html"
TOKENS = STATIC / "tokens.css"
KERN_VERSION = "2.7.2"


# --- vendored -------------------------------------------------------------------------------------------------


def test_kern_is_vendored_with_its_licence_version_and_source():
    assert (KERN / "VERSION").read_text().strip() == KERN_VERSION
    licence = (KERN / "LICENSE.md").read_text()
    assert "EUROPÄISCHE UNION PUBLIC LICENCE v. 1.2" in licence
    note = (KERN / "README.md").read_text()
    assert f"@kern-ux/native@{KERN_VERSION}" in note
    assert re.search(r"sha256 of the tarball: [0-9a-f]{64}\b", note)
    assert re.search(r"fetched: \d{4}-\d{2}-\d{2}", note)
    assert (KERN / "kern.min.css").stat().st_size > 100_000


def test_the_makefile_refreshes_the_pinned_version_with_the_script():
    makefile = (ROOT / "Makefile").read_text()
    assert f"KERN_VERSION := {KERN_VERSION}" in makefile
    assert "kern:\n\tsh scripts/refresh-kern.sh $(KERN_VERSION)\n" in makefile
    # make run and make test use the committed files: neither depends on the refresh (nor on npm).
    for target in ("install", "run", "test"):
        prerequisites = re.search(rf"^{target}:(.*)$", makefile, re.M)
        assert prerequisites and "kern" not in prerequisites.group(1), target
    assert not [line for line in makefile.splitlines() if line.startswith("\t") and "npm" in line]
    script = (ROOT / "scripts" / "refresh-kern.sh").read_text()
    assert 'npm pack --silent "@kern-ux/native@$version"' in script and "sha256sum" in script


def test_every_font_file_the_font_stylesheet_names_is_there():
    fonts = KERN / "fonts"
    named = re.findall(r'url\("?\./([^")]+)"?\)', (fonts / "fira-sans.css").read_text())
    assert named, "fira-sans.css names no font files"
    missing = [name for name in named if not (fonts / name).is_file()]
    assert missing == []


def test_the_static_route_serves_kern_css_and_fonts_with_their_types(client):
    css = client.get("/static/kern/kern.min.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert ".kern-kopfzeile" in css.text
    font = client.get("/static/kern/fonts/fira-sans/FiraSans-Regular.woff2")
    assert font.status_code == 200 and font.headers["content-type"] == "font/woff2"
    assert font.content[:4] == b"wOF2"
    faces = client.get("/static/kern/fonts/fira-sans.css")
    assert faces.status_code == 200 and faces.headers["content-type"].startswith("text/css")
    # Same origin, so the Content-Security-Policy's style-src 'self' (and default-src for fonts) lets them in.
    assert "style-src 'self'" in css.headers["content-security-policy"]


def test_every_page_links_kern_and_our_styles_from_our_own_origin(client):
    page = client.get("/login").text
    sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)">', page)
    assert sheets == ["/static/kern/fonts/fira-sans.css", "/static/kern/kern.min.css", "/static/tokens.css",
                      "/static/style.css", "/static/pages.css", "/static/tables.css", "/static/dashboard.css",
                      "/static/print.css"]  # fmt: skip
    for sheet in sheets:
        assert client.get(sheet).status_code == 200, sheet


# --- templates ------------------------------------------------------------------------------------------------


def page_templates() -> list[Path]:
    """Every template but the frame itself and the partials (`_name.html`, included or rendered as fragments)."""
    return sorted(
        path for path in TEMPLATES.rglob("*.html")
        if not path.name.startswith("_") and path.relative_to(TEMPLATES).as_posix() != BASE
    )  # fmt: skip


def test_there_are_page_templates_to_check():
    assert len(page_templates()) > 20


@pytest.mark.parametrize("template", page_templates(), ids=lambda path: path.relative_to(TEMPLATES).as_posix())
def test_every_page_template_extends_the_kern_frame_and_leaves_the_h1_to_it(template):
    source = template.read_text()
    first = source.lstrip().splitlines()[0]
    assert first == '{% extends "shell/base.html" %}', first
    # The frame renders the page's one h1 (from `title`, or `heading`) under the breadcrumb.
    assert "<h1" not in source
    assert "{% block title %}" in source


def test_the_frame_is_built_on_kern():
    base = (TEMPLATES / BASE).read_text()
    pieces = (
        'href="/static/kern/kern.min.css"',
        'class="kern-kopfzeile"',
        'class="kern-alert kern-alert--warning',
        'aria-label="Hauptnavigation"',
        'aria-label="Sie sind hier"',
        '<h1 class="kern-heading-large',
    )
    for piece in pieces:
        assert piece in base, piece


def test_partials_are_not_pages():
    for partial in TEMPLATES.rglob("_*.html"):
        assert "{% extends" not in partial.read_text(), partial


INLINE = re.compile(r"\sstyle=|<style|<script(?![^>]*\ssrc=)", re.I)


def test_no_template_has_inline_styles_or_scripts_the_csp_would_block():
    found = [path.name for path in TEMPLATES.rglob("*.html") if INLINE.search(path.read_text())]
    assert found == []


# --- our CSS --------------------------------------------------------------------------------------------------


def our_css() -> list[Path]:
    return sorted(path for path in STATIC.rglob("*.css") if KERN not in path.parents)


COMMENT = re.compile(r"/\*.*?\*/", re.S)
COLOUR_LITERAL = re.compile(
    r"#[0-9a-f]{3,8}\b"  # #fff, #1d2330, #1d233080
    r"|\b(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch|color)\("  # rgb(…), oklch(…), color(display-p3 …)
    r"|(?<![\w-])(?:white|black|red|green|blue|yellow|orange|purple|gray|grey|silver|navy|teal|maroon|olive|lime"
    r"|aqua|fuchsia|pink|brown|gold)(?![\w-])",
    re.I,
)


def declarations(path: Path) -> str:
    return COMMENT.sub("", path.read_text())


def test_our_css_has_no_colour_literals():
    names = [path.name for path in our_css()]
    assert names == ["dashboard.css", "pages.css", "print.css", "style.css", "tables.css", "tokens.css"]
    found = {path.name: COLOUR_LITERAL.findall(declarations(path)) for path in our_css()}
    assert found == dict.fromkeys(names, [])


def test_the_token_file_only_names_kern_tokens():
    tokens = re.findall(r"(--[\w-]+)\s*:\s*([^;]+);", declarations(TOKENS))
    assert tokens
    for name, value in tokens:
        assert name.startswith("--fx-"), name
        assert re.fullmatch(r"var\(--kern-[\w-]+\)", value.strip()), (name, value)
    # Nobody else defines tokens of ours.
    for path in our_css():
        if path != TOKENS:
            assert not re.search(r"--fx-[\w-]+\s*:", declarations(path)), path.name


def test_every_token_our_css_uses_exists():
    kern = set(re.findall(r"(--kern-[\w-]+)\s*:", (KERN / "kern.min.css").read_text()))
    ours = set(re.findall(r"(--fx-[\w-]+)\s*:", declarations(TOKENS)))
    used = {name for path in our_css() for name in re.findall(r"var\((--[\w-]+)", declarations(path))}
    assert used - kern - ours == set()
