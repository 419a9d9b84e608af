"""A long import never keeps a caller waiting: while 5,000 volunteers are imported (in the browser, or by
`fluxx volunteers import` in another process on the same database), every call hears the menu at once.

A served app (uvicorn, as in production) takes signed Twilio webhooks from a few threads the whole time.
Runs on SQLite here and on PostgreSQL in CI (FLUXX_TEST_DATABASE_URL). The same rule holds for every long
write (bill run, purge, demo data): write in short batches with `core.batches.in_batches`.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from casework.calls.models import Call
from core.models import StaffRole
from fluxx.factory import create_app
from telephony.webhooks import sign
from tests.conftest import make_settings
from tests.factories import PASSWORD, csrf_from, make_staff
from tests.servers import served
from tests.twilio_helpers import voice_params
from volunteers.registry.models import Volunteer, VolunteerArea, VolunteerSkill

VOLUNTEERS = 5_000
CALLERS = 4
TWILIO_PATIENCE = 15.0
"""Seconds Twilio waits for a webhook's answer before the caller hears its error message."""


def volunteer_list(count: int = VOLUNTEERS) -> bytes:
    header = "Name;Mobil;Fähigkeiten;Gemeinden;Verfügbarkeit;Führungszeugnis;SMS-Einwilligung;Bemerkungen"
    rows = (
        f'Person {n};0176 {n:08d};Kinder, Senioren;Hannover, Laatzen;Mo-Fr 08-13;01.02.2025;ja;=HYPERLINK("x")'
        for n in range(count)
    )
    return ("\r\n".join([header, *rows]) + "\r\n").encode("utf-8-sig")


def is_menu(xml: str) -> bool:
    root = ET.fromstring(xml)
    return [child.tag for child in root] == ["Say", "Say", "Gather"] and "drücken Sie die 1" in xml


def counter(engine, statement) -> Callable[[], int]:
    """Counts what a long job has written so far, on a connection of its own (as a second process would see it)."""

    def count() -> int:
        with engine.connect() as connection:
            return int(connection.scalar(statement) or 0)

    return count


class Callers:
    """Threads that call the hotline one call after another until stopped; every answer and its time kept.

    `written` counts the rows the long job has committed so far; it is read after every answered call. A job
    that writes in short batches lets calls through between its batches, so calls are answered while only part
    of its rows are there; a job that held the writer for all its rows would show none or all of them to every
    call. That is the proof, not a time limit: a loaded machine slows the job and the calls alike (speed targets
    are in `make bench`)."""

    def __init__(self, base_url: str, settings, written: Callable[[], int] | None = None) -> None:
        self.base_url, self.settings, self.written = base_url, settings, written
        self.stop = threading.Event()
        self.answers: list[tuple[float, int, str]] = []
        self.seen: list[int] = []
        self.warm_up: list[tuple[float, int, str]] = []
        self.numbers = itertools.count()
        self.threads = [threading.Thread(target=self._call_until_stopped) for _ in range(CALLERS)]

    def _call(self, client: httpx.Client) -> tuple[float, int, str]:
        n = next(self.numbers)
        params = voice_params(f"CA{n:032d}", From=f"+4915119{n:06d}")
        url = self.settings.public_base_url + "/twilio/voice/incoming"
        headers = {"X-Twilio-Signature": sign(self.settings.webhook_auth_token, url, params)}
        started = time.monotonic()
        response = client.post("/twilio/voice/incoming", data=params, headers=headers)
        return time.monotonic() - started, response.status_code, response.text

    def _call_until_stopped(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=30) as client:
            while not self.stop.is_set():
                self.answers.append(self._call(client))
                if self.written is not None:
                    self.seen.append(self.written())

    def during(self, job: Callable[[], object]) -> object:
        # A running hotline has answered calls before: the first call of a fresh process (imports, templates,
        # the database's first plans) is not what the import is measured against.
        with httpx.Client(base_url=self.base_url, timeout=30) as client:
            self.warm_up = [self._call(client) for _ in range(CALLERS)]
        for thread in self.threads:
            thread.start()
        try:
            return job()
        finally:
            self.stop.set()
            for thread in self.threads:
                thread.join(timeout=60)

    def assert_all_heard_the_menu(self, at_least: int, between: tuple[int, int] | None = None) -> None:
        """Every call heard the menu well within Twilio's patience; with `between=(before, after)`, at least
        `at_least` calls were answered while the job had written some but not all of its rows."""
        assert len(self.answers) >= at_least, "too few calls overlapped the job to show anything"
        failed = [(status, text[:200]) for _seconds, status, text in self.answers if status != 200 or not is_menu(text)]
        assert failed == []
        slowest = max(seconds for seconds, _status, _text in self.answers)
        assert slowest < TWILIO_PATIENCE / 2, f"a caller waited {slowest:.2f} s"
        if between is not None:
            before, after = between
            midway = [n for n in self.seen if before < n < after]
            assert len(midway) >= at_least, f"only {len(midway)} calls answered while the job was half-way: {self.seen}"


@pytest.fixture
def served_app(engine, clock, tmp_path):
    settings = make_settings(engine, opening_hours="24/7")
    app = create_app(settings, clock=clock, engine=engine)
    app.state.volunteer_uploads = tmp_path / "uploads"
    with served(app) as url:
        yield url, settings


def stored(db) -> tuple[int, int, int]:
    db.expire_all()
    count = db.scalar(select(func.count()).select_from(Volunteer))
    skills = db.scalar(select(func.count()).select_from(VolunteerSkill))
    areas = db.scalar(select(func.count()).select_from(VolunteerArea))
    return count, skills, areas


def test_calls_hear_the_menu_at_once_while_a_coordinator_imports_five_thousand_volunteers(served_app, db, engine):
    url, settings = served_app
    coordinator = make_staff(db, role=StaffRole.COORDINATOR)
    callers = Callers(url, settings, counter(engine, select(func.count()).select_from(Volunteer)))

    def import_in_the_browser() -> httpx.Response:
        with httpx.Client(base_url=url, timeout=120) as browser:
            token = csrf_from(browser.get("/login").text)
            login = {"email": coordinator.email, "password": PASSWORD, "csrf_token": token, "next": "/"}
            assert browser.post("/login", data=login).status_code == 303
            token = csrf_from(browser.get("/volunteers/import").text)
            files = {"file": ("ehrenamtliche.csv", volunteer_list())}
            page = browser.post("/volunteers/import", data={"csrf_token": token}, files=files)
            assert page.status_code == 200, page.text[:500]
            upload = page.text.split('name="token" value="')[1].split('"')[0]
            return browser.post(
                "/volunteers/import/confirm", data={"csrf_token": token, "token": upload, "mode": "all"}
            )

    confirmed = callers.during(import_in_the_browser)

    assert isinstance(confirmed, httpx.Response) and confirmed.status_code == 200, confirmed
    assert f"{VOLUNTEERS} Ehrenamtliche importiert." in confirmed.text
    assert stored(db) == (VOLUNTEERS, 2 * VOLUNTEERS, 2 * VOLUNTEERS)
    callers.assert_all_heard_the_menu(at_least=10, between=(0, VOLUNTEERS))
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Call)) == len(callers.answers) + len(callers.warm_up)


def test_calls_hear_the_menu_at_once_while_the_command_line_imports_five_thousand_volunteers(
    served_app, db, engine, tmp_path
):
    url, settings = served_app
    path = tmp_path / "ehrenamtliche.csv"
    path.write_bytes(volunteer_list())
    env = {**os.environ, "FLUXX_DATABASE_URL": settings.database_url, "FLUXX_TWILIO_ACCOUNT_SID": ""}
    fluxx = Path(sys.executable).parent / "fluxx"
    callers = Callers(url, settings, counter(engine, select(func.count()).select_from(Volunteer)))

    def import_on_the_command_line() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(fluxx), "volunteers", "import", str(path)], env=env, cwd=tmp_path, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip

    done = callers.during(import_on_the_command_line)

    assert isinstance(done, subprocess.CompletedProcess) and done.returncode == 0, done
    assert f"{VOLUNTEERS} Ehrenamtliche importiert, 0 Zeilen ausgelassen." in done.stdout
    assert stored(db) == (VOLUNTEERS, 2 * VOLUNTEERS, 2 * VOLUNTEERS)
    callers.assert_all_heard_the_menu(at_least=10, between=(0, VOLUNTEERS))
