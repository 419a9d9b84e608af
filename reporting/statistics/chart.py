"""The chart by month, drawn by pygal (a maintained SVG charting library), without JavaScript.

Served as an image from our own origin (`/statistics/chart.svg`); the page shows the same figures as a table
for screen readers.
"""

from __future__ import annotations

import re

import pygal
from pygal.style import Style

COLOURS = ("#0b5c9e", "#c2410c", "#2f7d32")
STYLE = Style(
    font_family="'Fira Sans', Arial, sans-serif",
    background="white",
    plot_background="white",
    foreground="#1b1b1b",
    foreground_strong="#1b1b1b",
    foreground_subtle="#6b6b6b",
    colors=COLOURS,
)


def by_month(labels: list[str], series: dict[str, list[float]], *, title: str) -> bytes:
    """A bar chart, one group of bars per month, as a standalone SVG document."""
    chart = pygal.Bar(
        style=STYLE,
        js=[],
        disable_xml_declaration=False,
        width=960,
        height=400,
        title=title,
        x_label_rotation=40 if len(labels) > 6 else 0,
        show_minor_x_labels=len(labels) <= 24,
        x_labels_major_every=max(1, len(labels) // 12),
        legend_at_bottom=True,
        truncate_legend=-1,
        truncate_label=-1,
        legend_at_bottom_columns=3,
        print_values=False,
        show_legend=True,
        margin=16,
    )
    chart.x_labels = labels
    for name, values in series.items():
        chart.add(name, values)
    svg: bytes = chart.render()
    # pygal always writes its configuration as a script for its tooltips; an image runs none, so it goes.
    return _SCRIPT.sub(b"", svg)


def for_print(svg: bytes) -> bytes:
    """The chart with its colours as attributes too: a PDF library reads no style sheet inside an SVG."""
    colours: tuple[str, ...] = COLOURS

    def series(match: re.Match[bytes]) -> bytes:
        return match.group(0) + b' fill="' + colours[int(match.group(1)) % len(colours)].encode() + b'"'

    svg = re.sub(rb'class="series serie-\d+ color-(\d+)"', series, svg)
    svg = re.sub(rb'class="color-(\d+) reactive"', series, svg)
    return svg.replace(b'class="background"', b'class="background" fill="white"')


_SCRIPT = re.compile(rb"<script[^>]*>.*?</script>|<script[^>]*/>", re.DOTALL)
