from sqlalchemy import func, select
from typer.testing import CliRunner

from fluxx.app.cli import app as cli
from fluxx.core.models import Staff, StaffRole
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
    assert db.scalar(select(func.count()).select_from(Volunteer)) == volunteers == 24


def test_every_command_has_german_help():
    runner = CliRunner()
    for command in (["serve"], ["worker"], ["db", "upgrade"], ["staff", "create"], ["demo"]):
        result = runner.invoke(cli, [*command, "--help"])
        assert result.exit_code == 0, command
    assert "--port" in runner.invoke(cli, ["serve", "--help"]).output


def test_the_fake_twilio_command_is_there():
    result = CliRunner().invoke(cli, ["fake-twilio", "--help"])
    assert result.exit_code == 0 and "--port" in result.output
