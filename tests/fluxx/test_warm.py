"""`fluxx serve` compiles the templates, builds the holiday calendar and shows the staff pages once (rolled back)
before the first request."""

from __future__ import annotations

import gc
import sys
import weakref
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from casework.cases.models import Case
from core.models import AuditEvent, StaffSession
from core.web import TEMPLATES_DIR, make_templates
from fluxx import cli as cli_module
from fluxx import warm
from fluxx.warm import freeze, warm_pages, warm_up
from telephony.voice import rules
from tests.factories import make_case, make_job, make_staff


def test_every_template_is_compiled_and_both_years_holidays_are_built() -> None:
    templates = make_templates(ZoneInfo("Europe/Berlin"))
    rules._lower_saxony.cache_clear()
    count = warm_up(templates, now=datetime(2026, 12, 31, 22, tzinfo=UTC))
    on_disk = {str(path.relative_to(TEMPLATES_DIR)) for path in TEMPLATES_DIR.rglob("*.html")}
    cached = {name for _loader, name in templates.env.cache}  # type: ignore[union-attr]
    assert count == len(on_disk) > 40
    assert cached == on_disk
    assert rules._lower_saxony.cache_info().currsize == 2  # 2026 and 2027: New Year's Eve is served too
    assert "holidays.countries.germany" in sys.modules


def test_serve_warms_up_before_it_listens(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    order: list[str] = []
    monkeypatch.setattr(cli_module, "_settings", lambda: _settings(tmp_path))
    monkeypatch.setattr(cli_module, "_stop_on_signals", lambda stop: None)  # pytest keeps its Ctrl+C
    monkeypatch.setattr("fluxx.warm.warm_up", lambda templates, now: order.append("warm") or 0)
    monkeypatch.setattr("fluxx.warm.warm_pages", lambda app: order.append("pages") or True)
    monkeypatch.setattr("fluxx.warm.freeze", lambda: order.append("freeze") or 0)
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: order.append("listen"))
    result = CliRunner().invoke(cli_module.app, ["serve", "--no-worker"])
    assert result.exit_code == 0, result.output
    assert order == ["warm", "pages", "freeze", "listen"]


def _written(db) -> tuple[int | None, ...]:
    return tuple(db.scalar(select(func.count()).select_from(model)) for model in (AuditEvent, StaffSession, Case))


def test_the_staff_pages_are_shown_once_and_nothing_is_written(app, db, engine):
    make_staff(db)
    case = make_case(db, caller_name="Lena Müller", caller_phone="+495111234567")
    make_job(db, case)
    before = _written(db)
    db.rollback()
    engine._compiled_cache.clear()  # the tests share an engine: what earlier tests compiled is cached already
    assert warm_pages(app)
    assert _written(db) == before  # not even the audit of having looked
    # Their statements are compiled and cached now, where the first staff request would have paid for it.
    assert len(engine._compiled_cache) > 20


def test_without_staff_there_is_nothing_to_show(app, db):
    assert not warm_pages(app)


def test_a_failing_page_is_logged_and_the_server_starts_anyway(app, db, monkeypatch, caplog):
    make_staff(db)
    make_case(db)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("kaputt")

    monkeypatch.setattr(warm, "render_case", broken)
    assert not warm_pages(app)
    assert "warm-up of the staff pages failed" in caplog.text


def _settings(tmp_path: object) -> object:
    from core.settings import Settings
    from fluxx.migrate import upgrade

    url = f"sqlite:///{tmp_path}/warm.db"
    upgrade(url)
    return Settings(_env_file=None, database_url=url, secret_key="x" * 40)  # type: ignore[call-arg]


def test_what_start_up_made_is_left_out_of_later_collections() -> None:
    class Cycle:
        def __init__(self) -> None:
            self.me = self

    try:
        kept, dropped = Cycle(), Cycle()
        gone = weakref.ref(dropped)
        del dropped  # garbage of the start-up: collected first, not frozen
        frozen = freeze()
        # A frozen object freed by its reference count leaves the permanent generation, and threads earlier tests
        # left running free some between these two lines (tests/resilience before this file, also on the code
        # before the webhook threads): the count may only shrink.
        assert frozen >= gc.get_freeze_count() > 10_000
        assert gone() is None
        assert not any(found is kept for found in gc.get_objects())  # out of the collector's sight
        assert kept.me is kept
    finally:
        gc.unfreeze()
