"""What `fluxx serve` does once before it answers anything, so that no caller pays for it.

Measured on a fresh server (bench/realistic_hour.py, py-spy): the first incoming call took 343 ms instead
of 6 ms — the holiday calendar of Lower Saxony is imported and built on first use (the opening hours ask it)
— and the first dashboard poll and case page 120–150 ms more than later ones: Jinja compiles a template the
first time it is rendered (all of them together take about 1.4 s of CPU), and SQLAlchemy sets up the mappers
of every model at the first query (70 ms). Under load those first renders hold the interpreter while
calls queue behind them. Done here, the server starts a second or two later and every request finds them
ready.

The staff pages were still slower the first time (case page and dashboard poll 60–90 ms more): SQLAlchemy
compiles each statement at its first use and caches it, and the first German date or amount loads Babel's
locale data. `warm_pages` shows the newest case and the dashboard once, as the first active staff member,
in a transaction that is rolled back: nothing is written, not even the audit of having looked.

Then the dashboard polls of the realistic hour still took 200 ms now and then, two at the same moment: Python's
garbage collector walking every object the server holds (about 230,000 after start-up: 130 ms of a full
collection, in which no request is answered). Everything made until then lives as long as the server does
(modules, templates, mappings), so `freeze` moves it out of the collector's sight (`gc.freeze`); a collection
then walks only what the requests made since.
"""

from __future__ import annotations

import gc
import logging
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import configure_mappers
from starlette.requests import Request
from starlette.templating import Jinja2Templates

from casework.cases.models import Case
from casework.cases.views import render_case
from casework.dashboard.views import live_page
from core.context import AppContext
from core.models import Staff
from core.web import StaffView
from telephony.voice.rules import is_public_holiday

log = logging.getLogger(__name__)


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


def warm_pages(app: FastAPI) -> bool:
    """Render the dashboard's live part and the newest case's page once, as the first active staff member would
    see them, and roll it all back. Returns whether it did (not without a staff member). A failure here is
    logged and the server starts anyway: this only saves the first staff request some milliseconds."""
    context: AppContext = app.state.context
    factory = context.sessionmaker
    try:
        with factory() as db:
            staff = db.scalar(select(Staff).where(Staff.is_active).order_by(Staff.id).limit(1))
            if staff is None:
                return False
            request = Request(
                {"type": "http", "app": app, "method": "GET", "path": "/", "headers": [], "query_string": b"",
                 "client": None, "state": {"staff": StaffView.of(staff)}}
            )  # fmt: skip
            live_page(request, db, staff)
            case_id = db.scalar(select(Case.id).where(Case.merged_into_id.is_(None)).order_by(Case.id.desc()).limit(1))
            if case_id is not None:
                render_case(request, db, staff, case_id)
            db.rollback()
    except Exception:  # noqa: BLE001 — an optimisation must never keep the hotline from answering
        log.warning("warm-up of the staff pages failed; the first staff request pays for it", exc_info=True)
        return False
    return True


def freeze() -> int:
    """Collect the start-up's garbage, then exempt every object left from later collections; how many."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
