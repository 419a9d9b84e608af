"""Every `fluxx` command as an operator runs it: a fresh process on a fresh database.

The test process has imported every model and connected every layer; a command run in it (CliRunner)
works even when the command alone would not (`fluxx staff create` failed on every fresh install with
`UnmappedClassError`). So here each command runs in its own process through the `fluxx` entry point, with
no FLUXX_ setting but the ones given (no Twilio credentials), in an empty working directory.

To stay fast, commands that do not depend on each other run at the same time, `db upgrade` alone starts
from an empty database (the others get the suite's migrated one), and the help texts are asked for while
the other tests run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select, text

from core import auth
from core.db import make_engine
from core.models import InstallationFact, ScheduledTask, Staff, StaffRole, TaskStatus
from core.settings import install_secret
from retention.tasks import PURGE
from tests.servers import free_port
from volunteers.registry.models import Volunteer

FLUXX = str(Path(sys.executable).parent / "fluxx")
POSTGRES_URL = os.environ.get("FLUXX_TEST_DATABASE_URL", "")
ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "c0ffee" + "4" * 26
SECRET_KEY = "q8Vd2-LmZx7Pk3Ry9Tb4Nw6Hs1Jf5Gc0Ue8Ai2Ko"
STARTUP_SECONDS = 60  # a bound for a loaded machine, not a wait: the loops end as soon as the process is up


def child_env(url: str, workdir: Path, **settings: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("FLUXX_")}
    env.update(
        FLUXX_DATABASE_URL=url,
        FLUXX_SECRET_KEY_FILE=str(workdir / "fluxx-secret"),
        PYTHONUNBUFFERED="1",  # "Worker läuft." reaches its log file at once
        COLUMNS="200",  # every help text on one line
    )
    env.update({f"FLUXX_{name.upper()}": value for name, value in settings.items()})
    return env


def popen(args: list[str], env: dict[str, str], cwd: Path, given: str | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [FLUXX, *args], env=env, cwd=cwd, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        stdin=subprocess.PIPE if given is not None else subprocess.DEVNULL,
    )  # fmt: skip


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def finish(process: subprocess.Popen[str], given: str | None = None) -> Finished:
    stdout, stderr = process.communicate(given, timeout=120)
    return Finished(process.returncode, stdout, stderr)


@dataclass
class Installation:
    """A database and an empty working directory, as on a new machine."""

    url: str
    workdir: Path

    def env(self, **settings: str) -> dict[str, str]:
        return child_env(self.url, self.workdir, **settings)

    def run_together(self, *commands: tuple[list[str], str | None]) -> list[Finished]:
        """Run commands at the same time (each with its stdin text, if any) and wait for all of them."""
        processes = [popen(args, self.env(), self.workdir, given) for args, given in commands]
        return [finish(process, given) for process, (_args, given) in zip(processes, commands, strict=True)]

    def run(self, *args: str, given: str | None = None) -> Finished:
        return self.run_together((list(args), given))[0]

    def start(self, *args: str, log: str, **settings: str) -> subprocess.Popen[bytes]:
        """A long-running command, its output in files (a full pipe would stop it)."""
        with (self.workdir / f"{log}.out").open("wb") as out, (self.workdir / f"{log}.err").open("wb") as err:
            return subprocess.Popen(
                [FLUXX, *args], env=self.env(**settings), cwd=self.workdir, stdout=out, stderr=err,
                stdin=subprocess.DEVNULL,
            )  # fmt: skip

    def output(self, log: str) -> str:
        return (self.workdir / f"{log}.out").read_text() + (self.workdir / f"{log}.err").read_text()

    def rows(self, statement: Any) -> list[Any]:
        engine = make_engine(self.url)
        try:
            with engine.connect() as connection:
                return list(connection.execute(statement))
        finally:
            engine.dispose()

    def staff(self) -> dict[str, Any]:
        return {row.email: row for row in self.rows(select(Staff))}


def _workdir(tmp_path: Path) -> Path:
    workdir = tmp_path / "install"
    workdir.mkdir()
    return workdir


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[Installation]:
    """A database nothing was done to: a new SQLite file, or a PostgreSQL schema of its own."""
    if not POSTGRES_URL.startswith("postgresql"):
        yield Installation(f"sqlite:///{tmp_path / 'fluxx.db'}", _workdir(tmp_path))
        return
    # Selected in the URL, as tests/database.py does: the processes see this schema only.
    schema = f"fluxx_cli_{uuid.uuid4().hex[:10]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield Installation(f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}", _workdir(tmp_path))
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def migrated(engine: Engine, tmp_path: Path) -> Installation:
    """The suite's fresh migrated database (`fluxx db upgrade` done), and this installation's key file made
    beforehand, so that commands started together in simulation mode do not race to make it."""
    installation = Installation(engine.url.render_as_string(hide_password=False), _workdir(tmp_path))
    install_secret(installation.workdir / "fluxx-secret")
    return installation


HELP = {
    (): "Fluxxfon: Anrufe, Fälle und Einsätze der Fluxx-Notfallbetreuung.",
    ("serve",): "Den Webdienst starten (Twilio-Webhooks und Oberfläche für Mitarbeitende).",
    ("worker",): "Hintergrundarbeit ausführen (SMS-Versand, Einsatz-Wellen, Erinnerungen, Statistik).",
    ("db", "upgrade"): "Die Datenbank auf den neuesten Stand der Migrationen bringen.",
    ("staff", "create"): "Ein Konto für Mitarbeitende anlegen.",
    ("volunteers", "import"): "Ehrenamtliche aus einer Datei importieren.",
    ("demo",): "Demodaten laden (Mitarbeitende, Partner, Ehrenamtliche, einige Fälle); nur beim ersten Mal.",
    ("fake-twilio",): "Eine lokale Nachbildung der Twilio-REST-API starten",
    ("retention", "purge"): "Personenbezogene Daten entfernen, deren Aufbewahrungsfrist abgelaufen ist.",
}


@pytest.fixture(scope="module")
def help_processes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[subprocess.Popen[str]]]:
    """Started with the module's first test, read by the last: they fill the cores the others leave idle."""
    workdir = tmp_path_factory.mktemp("help")
    env = child_env(f"sqlite:///{workdir / 'unused.db'}", workdir)
    processes = [popen([*command, "--help"], env, workdir) for command in HELP]
    yield processes
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.fixture(autouse=True)
def _help_starts_early(help_processes: list[subprocess.Popen[str]]) -> None:
    pass


def test_the_first_admin_of_a_real_installation_is_made_on_the_command_line(empty):
    upgraded = empty.run("db", "upgrade")
    assert upgraded.returncode == 0, upgraded.output
    assert "Datenbank ist auf dem neuesten Stand." in upgraded.stdout

    admin, prompted = empty.run_together(
        (["staff", "create", "--name", "Anna Beispiel", "--email", "anna@fluxx.test", "--phone", "0511 123456",
          "--role", "admin", "--password", "ein gutes passwort"], None),
        (["staff", "create", "--name", "Ole Berger", "--email", "ole@fluxx.test", "--on-duty"],
         "noch ein gutes passwort\nnoch ein gutes passwort\n"),
    )  # fmt: skip
    assert admin.returncode == 0, admin.output
    assert "Konto angelegt: Anna Beispiel <anna@fluxx.test> (Verwaltung)" in admin.stdout
    assert prompted.returncode == 0, prompted.output
    assert "Passwort" in prompted.stdout and "Konto angelegt: Ole Berger <ole@fluxx.test> (Beratung)" in prompted.stdout
    staff = empty.staff()
    assert set(staff) == {"anna@fluxx.test", "ole@fluxx.test"}
    anna, ole = staff["anna@fluxx.test"], staff["ole@fluxx.test"]
    assert anna.role == StaffRole.ADMIN and anna.phone == "+49511123456" and not anna.on_duty
    assert auth.verify_password(anna.password_hash, "ein gutes passwort")
    assert ole.role == StaffRole.COUNSELLOR and ole.on_duty
    assert auth.verify_password(ole.password_hash, "noch ein gutes passwort")

    # `make run` in this folder: no demo data, no admin with the published password.
    demo = empty.run("demo")
    assert demo.returncode == 1, demo.output
    assert (
        "Fehler: Keine Demodaten: In dieser Datenbank gibt es schon 2 Konten für Mitarbeitende, "
        "die nicht zur Demo gehören." in demo.stderr
    )
    assert "Demo-Anmeldung" not in demo.output
    assert set(empty.staff()) == {"anna@fluxx.test", "ole@fluxx.test"}


def test_volunteers_are_imported_from_a_file_and_a_file_with_errors_imports_nothing(migrated):
    good = migrated.workdir / "liste.csv"
    good.write_bytes(
        "Name;Mobil;Fähigkeiten;Gemeinden;SMS-Einwilligung\r\n"
        "Anna Müller;0176 11111111;Kinder;Hannover;ja\r\n"
        "Jürgen Weiß;0160 22222222;Senioren;Burgdorf;ja\r\n".encode("cp1252")
    )
    broken = migrated.workdir / "fehler.csv"
    broken.write_text(
        "Name;Mobil;Fähigkeiten;Gemeinden;SMS-Einwilligung\nOlga Petrenko;0176 33333333;Kindr;Hannover;ja\n"
    )
    imported, refused = migrated.run_together(
        (["volunteers", "import", str(good)], None), (["volunteers", "import", str(broken)], None)
    )
    assert imported.returncode == 0, imported.output
    assert "2 Ehrenamtliche importiert" in imported.stdout
    assert refused.returncode == 1, refused.output
    assert "Zeile 2:" in refused.output and "Kindr" in refused.output
    assert sorted(row.name for row in migrated.rows(select(Volunteer.name))) == ["Anna Müller", "Jürgen Weiß"]


def test_the_demo_is_loaded_as_make_run_does(migrated):
    demo = migrated.run("demo")
    assert demo.returncode == 0, demo.output
    assert "Demodaten geladen." in demo.stdout
    assert "Demo-Anmeldung: demo@fluxx.example / Passwort: fluxx-demo-2026" in demo.stdout
    assert migrated.rows(select(func.count()).select_from(Volunteer)) == [(60,)]
    assert "demo@fluxx.example" in migrated.staff()


def _wait_until(
    check: Callable[[], bool], process: subprocess.Popen[bytes], installation: Installation, log: str
) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while not check():
        if process.poll() is not None:
            pytest.fail(f"{log} ended with {process.returncode}: {installation.output(log)}")
        if time.monotonic() > deadline:
            pytest.fail(f"{log} did not start: {installation.output(log)}")
        time.sleep(0.1)  # waiting for a process to come up, not for time to pass


def _status(url: str) -> int | None:
    """The status of a GET, or None while nothing listens yet."""
    try:
        return httpx.get(url, timeout=2).status_code
    except httpx.TransportError:
        return None


def test_serve_worker_and_fake_twilio_run_until_sigterm_and_the_database_remembers_twilio(migrated):
    fake_port, web_port = free_port(), free_port()
    fake_url = f"http://127.0.0.1:{fake_port}"
    twilio = {
        "twilio_account_sid": ACCOUNT_SID, "twilio_auth_token": AUTH_TOKEN, "twilio_api_url": fake_url,
        "secret_key": SECRET_KEY,
    }  # fmt: skip
    processes = {
        "fake": migrated.start(
            "fake-twilio", "--port", str(fake_port), "--account-sid", ACCOUNT_SID, "--auth-token", AUTH_TOKEN,
            log="fake",
        ),
        "serve": migrated.start("serve", "--host", "127.0.0.1", "--port", str(web_port), log="serve", **twilio),
        "worker": migrated.start("worker", log="worker", **twilio),
    }  # fmt: skip
    demo = None
    try:
        health = f"http://127.0.0.1:{web_port}/healthz"
        _wait_until(lambda: _status(health) == 200, processes["serve"], migrated, "serve")
        assert httpx.get(health).json() == {"status": "ok", "database": "ok"}
        assert "mit Twilio" in migrated.output("serve")

        messages = f"{fake_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages"
        # Without credentials the fake answers as Twilio does: 401.
        _wait_until(lambda: _status(f"{messages}/SM0.json") == 401, processes["fake"], migrated, "fake")
        sent = httpx.post(
            f"{messages}.json", auth=(ACCOUNT_SID, AUTH_TOKEN),
            data={"To": "+4915112345678", "From": "+4951116832110", "Body": "Probe"},
        )  # fmt: skip
        assert sent.status_code == 201 and sent.json()["body"] == "Probe"
        fetched = httpx.get(f"{messages}/{sent.json()['sid']}.json", auth=(ACCOUNT_SID, AUTH_TOKEN))
        assert fetched.status_code == 200 and fetched.json()["to"] == "+4915112345678"
        assert f"FLUXX_TWILIO_API_URL={fake_url}" in migrated.output("fake")

        _wait_until(lambda: "Worker läuft." in migrated.output("worker"), processes["worker"], migrated, "worker")
        # The app and the worker started with real credentials: the database knows it from now on.
        facts = migrated.rows(select(InstallationFact.key, InstallationFact.value))
        assert [tuple(fact) for fact in facts] == [("twilio_credentials", ACCOUNT_SID)]
        # Both workers (serve's own on SQLite, and this one) scheduled the nightly retention purge: once.
        purges = migrated.rows(select(ScheduledTask.kind, ScheduledTask.status).where(ScheduledTask.kind == PURGE))
        assert [tuple(task) for task in purges] == [(PURGE, TaskStatus.PENDING)]
        # Later `make run` in the same folder blanks the credentials: the database still refuses the demo.
        demo = popen(["demo"], migrated.env(), migrated.workdir)
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.terminate()  # SIGTERM, as systemd stops a service
        codes = {name: process.wait(timeout=60) for name, process in processes.items()}
        refused = finish(demo) if demo is not None else None
    assert codes == {"fake": 0, "serve": 0, "worker": 0}, {name: migrated.output(name) for name in codes}

    assert refused is not None and refused.returncode == 1, refused
    assert "Fehler: Keine Demodaten: Diese Datenbank lief schon mit echten Twilio-Zugangsdaten." in refused.stderr
    assert migrated.staff() == {}


def test_every_command_explains_itself_in_german(help_processes):
    """The top level lists the groups (db, staff, volunteers); each command has its own help."""
    results = dict(zip(HELP, (finish(process) for process in help_processes), strict=True))
    for (command, sentence), result in zip(HELP.items(), results.values(), strict=True):
        assert result.returncode == 0, (command, result.output)
        assert sentence in result.stdout, (command, result.stdout)
        assert "Traceback" not in result.output
    assert "--port" in results[("serve",)].stdout and "--password" in results[("staff", "create")].stdout
    assert "--only-valid" in results[("volunteers", "import")].stdout
    groups = ("Datenbank verwalten.", "Mitarbeitende verwalten.", "Ehrenamtliche verwalten.")
    assert all(group in results[()].stdout for group in groups)
