import threading

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker
from typer.testing import CliRunner

from core.models import Staff, StaffRole
from fluxx.cli import _pollers
from fluxx.cli import app as cli
from messaging.sender import OutboxSender
from reporting.statistics.tasks import StatisticsKeeper
from retention.tasks import VoicemailSweeper
from volunteers.registry.models import Volunteer


def _env(engine):
    return {"FLUXX_DATABASE_URL": engine.url.render_as_string(hide_password=False)}


def test_staff_create_makes_an_account_that_can_log_in(engine, db):
    result = CliRunner().invoke(
        cli,
        [
            "staff",
            "create",
            "--name",
            "Mia Kaya",
            "--email",
            "mia@fluxx.test",
            "--phone",
            "0511 168-32110",
            "--role",
            "coordinator",
            "--password",
            "ein gutes passwort",
            "--on-duty",
        ],
        env=_env(engine),
    )
    assert result.exit_code == 0, result.output
    assert "Konto angelegt: Mia Kaya <mia@fluxx.test> (Koordination)" in result.output
    mia = db.scalar(select(Staff).where(Staff.email == "mia@fluxx.test"))
    assert mia.role == StaffRole.COORDINATOR and mia.on_duty and mia.phone == "+4951116832110"


def test_staff_create_prompts_for_the_password_when_it_is_not_given(engine, db):
    result = CliRunner().invoke(
        cli,
        ["staff", "create", "--name", "Ole", "--email", "ole@fluxx.test"],
        env=_env(engine),
        input="ein gutes passwort\nein gutes passwort\n",
    )
    assert result.exit_code == 0, result.output
    assert db.scalar(select(Staff.role).where(Staff.email == "ole@fluxx.test")) == StaffRole.COUNSELLOR


def test_staff_create_explains_bad_input(engine):
    result = CliRunner().invoke(
        cli,
        ["staff", "create", "--name", "Ole", "--email", "ole@fluxx.test", "--password", "123456"],
        env=_env(engine),
    )
    assert result.exit_code == 1
    assert "Fehler: Das Passwort muss mindestens 8 Zeichen lang sein." in result.output


def test_demo_data_loads_once_and_prints_the_login(engine, db):
    first = CliRunner().invoke(cli, ["demo"], env=_env(engine))
    assert first.exit_code == 0, first.output
    assert "Demo-Anmeldung: demo@fluxx.example / Passwort: fluxx-demo-2026" in first.output
    volunteers = db.scalar(select(func.count()).select_from(Volunteer))
    second = CliRunner().invoke(cli, ["demo"], env=_env(engine))
    assert "Demodaten sind schon vorhanden." in second.output
    assert db.scalar(select(func.count()).select_from(Volunteer)) == volunteers == 60


def test_every_command_has_german_help():
    runner = CliRunner()
    for command in (["serve"], ["worker"], ["db", "upgrade"], ["staff", "create"], ["volunteers", "import"], ["demo"]):
        result = runner.invoke(cli, [*command, "--help"])
        assert result.exit_code == 0, command
    assert "--port" in runner.invoke(cli, ["serve", "--help"]).output


def test_the_fake_twilio_command_is_there():
    result = CliRunner().invoke(cli, ["fake-twilio", "--help"])
    assert result.exit_code == 0 and "--port" in result.output


def _volunteer_file(tmp_path, *rows, name="liste.csv"):
    lines = ["Name;Mobil;Fähigkeiten;Gemeinden;SMS-Einwilligung", *rows]
    path = tmp_path / name
    path.write_bytes("\r\n".join(lines).encode("cp1252"))
    return path


GOOD = ("Anna Müller;0176 11111111;Kinder;Hannover;ja", "Jürgen Weiß;0160 22222222;Senioren;Burgdorf;ja")
BROKEN = "Olga Petrenko;0511 1234567;Kindr;Hanover;ja"


def test_volunteers_import_prints_each_error_and_imports_nothing(engine, db, tmp_path):
    path = _volunteer_file(tmp_path, *GOOD, BROKEN)
    result = CliRunner().invoke(cli, ["volunteers", "import", str(path)], env=_env(engine))
    assert result.exit_code == 1, result.output
    assert "Zeile 4: Mobilnummer „0511 1234567“ ist eine Festnetznummer" in result.output
    assert "Zeile 4: Fähigkeit „Kindr“ unbekannt – meinten Sie „Kinderbetreuung“?" in result.output
    assert "Zeile 4: Gemeinde „Hanover“ unbekannt – meinten Sie „Hannover“?" in result.output
    assert "Nichts importiert" in result.output
    assert db.scalar(select(func.count()).select_from(Volunteer)) == 0


def test_volunteers_import_with_only_valid_imports_the_good_rows(engine, db, tmp_path):
    path = _volunteer_file(tmp_path, *GOOD, BROKEN)
    result = CliRunner().invoke(cli, ["volunteers", "import", str(path), "--only-valid"], env=_env(engine))
    assert result.exit_code == 0, result.output
    assert "Zeile 4:" in result.output and "2 Ehrenamtliche importiert, 1 Zeile ausgelassen." in result.output
    assert sorted(db.scalars(select(Volunteer.name))) == ["Anna Müller", "Jürgen Weiß"]


def test_volunteers_import_of_a_clean_file_imports_all_and_a_missing_file_is_explained(engine, db, tmp_path):
    result = CliRunner().invoke(cli, ["volunteers", "import", str(_volunteer_file(tmp_path, *GOOD))], env=_env(engine))
    assert result.exit_code == 0 and "2 Ehrenamtliche importiert, 0 Zeilen ausgelassen." in result.output
    again = CliRunner().invoke(cli, ["volunteers", "import", str(_volunteer_file(tmp_path, *GOOD))], env=_env(engine))
    assert again.exit_code == 1 and "ist schon für Anna Müller eingetragen" in again.output
    missing = CliRunner().invoke(cli, ["volunteers", "import", str(tmp_path / "fehlt.csv")], env=_env(engine))
    assert missing.exit_code == 2 and "lässt sich nicht lesen" in missing.output


def test_the_worker_and_the_servers_worker_look_after_the_same_three_things(engine, settings):
    """`fluxx worker` and the worker inside `fluxx serve` take their pollers from one place."""
    pollers = _pollers(sessionmaker(bind=engine), settings, threading.Event())
    assert [type(poller) for poller in pollers] == [OutboxSender, VoicemailSweeper, StatisticsKeeper]
