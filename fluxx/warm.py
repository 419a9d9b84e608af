"""What `fluxx serve` does once before it answers anything, so that no caller pays for it.

Measured on a fresh server (bench/realistic_hour.py, py-spy): the first incoming call took 343 ms instead
of 6 ms — the holiday calendar of Lower Saxony is imported and built on first use (the opening hours ask it)
— and the first dashboard poll and case page 120–150 ms more than later ones: Jinja compiles a template the
first time it is rendered (all of them together take about 1.4 s of CPU), and SQLAlchemy sets up the mappers
of every model at the first query (70 ms). Under load those first renders hold the interpreter while
calls queue behind them. Done here, the server starts a second or two later and every request finds them
ready.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import configure_mappers
from starlette.templating import Jinja2Templates

from telephony.voice.rules import is_public_holiday


def warm_up(templates: Jinja2Templates, *, now: datetime) -> int:
    """Compile every template, build this year's and next year's holidays and set up the ORM's mappers (which
    SQLAlchemy otherwise does at the first query); returns how many templates."""
    configure_mappers()
    for year in (now.year, now.year + 1):  # next year too: the server may run across New Year's Eve
        is_public_holiday(now.date().replace(year=year, month=1, day=1))
    env = templates.env
    names = env.list_templates(filter_func=lambda name: name.endswith(".html"))
    for name in names:
        env.get_template(name)
    return len(names)
