"""`fluxx serve` compiles the templates and builds the holiday calendar before the first request."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from core.web import TEMPLATES_DIR, make_templates
from fluxx import cli as cli_module
from fluxx.warm import warm_up
from telephony.voice import rules


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
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: order.append("listen"))
    result = CliRunner().invoke(cli_module.app, ["serve", "--no-worker"])
    assert result.exit_code == 0, result.output
    assert order == ["warm", "listen"]


def _settings(tmp_path: object) -> object:
    from core.settings import Settings
    from fluxx.migrate import upgrade

    url = f"sqlite:///{tmp_path}/warm.db"
    upgrade(url)
    return Settings(_env_file=None, database_url=url, secret_key="x" * 40)  # type: ignore[call-arg]
