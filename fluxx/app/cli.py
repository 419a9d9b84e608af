"""The `fluxx` command line: serve, worker, db upgrade, staff create, volunteers import, demo, fake-twilio."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer

from fluxx.core.settings import Settings, SettingsError, load_settings

app = typer.Typer(help="Fluxxfon: Anrufe, Fälle und Einsätze der Fluxx-Notfallbetreuung.", no_args_is_help=True)
db_app = typer.Typer(help="Datenbank verwalten.", no_args_is_help=True)
staff_app = typer.Typer(help="Mitarbeitende verwalten.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(staff_app, name="staff")
volunteers_app = typer.Typer(help="Ehrenamtliche verwalten.", no_args_is_help=True)
app.add_typer(volunteers_app, name="volunteers")


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        typer.echo(f"Fehler in den Einstellungen: {exc}", err=True)
        raise typer.Exit(2) from None


def _sessionmaker(settings: Settings):  # type: ignore[no-untyped-def]
    from fluxx.core.db import make_engine, make_sessionmaker

    return make_sessionmaker(make_engine(settings.database_url))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Adresse, auf der der Dienst lauscht.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    with_worker: Annotated[
        bool | None,
        typer.Option("--worker/--no-worker", help="Worker im selben Prozess (Standard bei SQLite)."),
    ] = None,
) -> None:
    """Den Webdienst starten (Twilio-Webhooks und Oberfläche für Mitarbeitende)."""
    import uvicorn

    from fluxx.app.factory import create_app
    from fluxx.core.clock import system_clock
    from fluxx.core.worker import run_forever
    from telephony.outbox.sender import sender_for

    settings = _settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    web_app = create_app(settings)
    stop = threading.Event()
    thread: threading.Thread | None = None
    in_process = with_worker if with_worker is not None else settings.database_url.startswith("sqlite")
    if in_process:
        factory = web_app.state.sessionmaker
        sms = sender_for(settings, factory, clock=system_clock, stop=stop)
        thread = threading.Thread(
            target=run_forever,
            kwargs={"factory": factory, "clock": system_clock, "stop": stop, "pollers": [sms]},
            name="fluxx-worker",
            daemon=True,
        )
        thread.start()
    mode = "Simulationsmodus (ohne Twilio)" if settings.simulation else "mit Twilio"
    typer.echo(f"Fluxxfon läuft auf http://{host}:{port} – {mode}")
    try:
        # No access log: its URLs carry search terms (names, phone numbers) that must not land in logs.
        # No proxy headers from uvicorn either: the app believes X-Forwarded-For only from
        # FLUXX_TRUSTED_PROXIES (fluxx.core.web.client_ip).
        uvicorn.run(web_app, host=host, port=port, log_level="info", access_log=False, proxy_headers=False)
    finally:
        stop.set()
        if thread is not None:
            thread.join(timeout=30)  # let a send in progress finish and record Twilio's answer


@app.command()
def worker(
    poll: Annotated[float, typer.Option(help="Sekunden zwischen zwei Blicken in die Warteschlange.")] = 1.0,
) -> None:
    """Hintergrundarbeit ausführen (SMS-Versand, Einsatz-Wellen, Erinnerungen). Endet sauber bei SIGTERM."""
    import fluxx.app.all_models  # noqa: F401  (every table known: a flush resolves foreign keys by name)
    from fluxx.app import wiring
    from fluxx.core.clock import system_clock
    from fluxx.core.worker import run_forever
    from telephony.outbox.sender import sender_for

    settings = _settings()
    wiring.configure(settings)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    typer.echo("Worker läuft. Beenden mit Strg+C oder SIGTERM.")
    factory = _sessionmaker(settings)
    sms = sender_for(settings, factory, clock=system_clock, stop=stop)
    run_forever(factory, clock=system_clock, stop=stop, poll_seconds=poll, pollers=[sms])


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Die Datenbank auf den neuesten Stand der Migrationen bringen."""
    from fluxx.app.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    typer.echo("Datenbank ist auf dem neuesten Stand.")


@staff_app.command("create")
def staff_create(
    name: Annotated[str, typer.Option(help="Vor- und Nachname.")],
    email: Annotated[str, typer.Option(help="E-Mail-Adresse (Anmeldename).")],
    role: Annotated[str, typer.Option(help="counsellor, coordinator oder admin.")] = "counsellor",
    phone: Annotated[str | None, typer.Option(help="Telefon, auf dem Anrufe klingeln, z. B. 0511 123456.")] = None,
    password: Annotated[
        str | None, typer.Option(help="Passwort; ohne Angabe wird es abgefragt.", show_default=False)
    ] = None,
    on_duty: Annotated[bool, typer.Option("--on-duty/--off-duty", help="Gleich im Dienst?")] = False,
) -> None:
    """Ein Konto für Mitarbeitende anlegen."""
    from fluxx.core import auth
    from fluxx.core.clock import system_clock
    from fluxx.core.db import transaction
    from fluxx.core.models import StaffRole

    settings = _settings()
    try:
        staff_role = StaffRole(role)
    except ValueError:
        typer.echo("Rolle muss counsellor, coordinator oder admin sein.", err=True)
        raise typer.Exit(2) from None
    if password is None:
        password = typer.prompt("Passwort", hide_input=True, confirmation_prompt=True)
    try:
        with transaction(_sessionmaker(settings)) as db:
            staff = auth.create_staff(
                db,
                name=name,
                email=email,
                password=password,
                role=staff_role,
                phone=phone,
                on_duty=on_duty,
                now=system_clock(),
            )
            typer.echo(f"Konto angelegt: {staff.name} <{staff.email}> ({staff.role.label})")
    except auth.AccountError as exc:
        typer.echo(f"Fehler: {exc}", err=True)
        raise typer.Exit(1) from None


@volunteers_app.command("import")
def volunteers_import(
    file: Annotated[Path, typer.Argument(help="Liste der Ehrenamtlichen als CSV- oder Excel-Datei (.xlsx).")],
    only_valid: Annotated[
        bool, typer.Option("--only-valid", help="Nur fehlerfreie Zeilen importieren; die anderen bleiben draußen.")
    ] = False,
) -> None:
    """Ehrenamtliche aus einer Datei importieren. Bei Fehlern wird nichts importiert (außer mit --only-valid)."""
    import fluxx.app.all_models  # noqa: F401
    from fluxx.core import audit
    from fluxx.core.clock import system_clock
    from fluxx.core.db import transaction
    from volunteers.registry import service
    from volunteers.registry.importing import ImportFileError, read_table
    from volunteers.registry.rules import validate_rows

    settings = _settings()
    try:
        data = file.read_bytes()
    except OSError:
        typer.echo(f"Fehler: Die Datei „{file}“ lässt sich nicht lesen.", err=True)
        raise typer.Exit(2) from None
    now = system_clock()
    with transaction(_sessionmaker(settings)) as db:
        try:
            rows = read_table(data, file.name)
        except ImportFileError as exc:
            typer.echo(f"Fehler: {exc}", err=True)
            raise typer.Exit(1) from None
        preview = validate_rows(rows, service.municipality_ids(db), today=now.astimezone(settings.zone).date())
        taken = service.registered(db, [row.draft.phone for row in preview.valid])
        problems = sorted(
            [*preview.errors, *service.registered_clashes(preview, taken)],
            key=lambda message: int(message.split(":")[0].removeprefix("Zeile ")),
        )
        for message in problems:
            typer.echo(message)
        if problems and not only_valid:
            typer.echo(
                f"Nichts importiert: {len(problems)} Fehler. Bitte die Datei korrigieren, oder mit --only-valid "
                "nur die fehlerfreien Zeilen importieren."
            )
            raise typer.Exit(1)
        try:
            result = service.import_preview(db, preview=preview, only_valid=only_valid, now=now)
        except service.RegistryError as exc:
            typer.echo(f"Fehler: {' '.join(exc.messages)}", err=True)
            raise typer.Exit(1) from None
        actor = audit.Actor(staff_id=None, ip=None, now=now)
        skipped = len(preview.invalid) + len(preview.valid) - len(result.created)
        detail = {"source": "cli", "created": len(result.created), "skipped": skipped}
        audit.record(
            db, actor, action="volunteer.import", object_type="volunteer", object_id=None, case_id=None, detail=detail
        )
    left_out = "1 Zeile" if skipped == 1 else f"{skipped} Zeilen"
    typer.echo(f"{len(result.created)} Ehrenamtliche importiert, {left_out} ausgelassen.")


@app.command()
def demo() -> None:
    """Demodaten laden (Mitarbeitende, Partner, Ehrenamtliche, einige Fälle); nur beim ersten Mal."""
    from fluxx.app import demo as demo_data
    from fluxx.core.clock import system_clock
    from fluxx.core.db import transaction

    settings = _settings()
    if not settings.simulation:
        # The demo creates an admin with a published password and invented people: never in production.
        typer.echo("Fehler: Demodaten nur im Simulationsmodus (ohne Twilio-Zugangsdaten).", err=True)
        raise typer.Exit(code=1)
    with transaction(_sessionmaker(settings)) as db:
        result = demo_data.load(db, now=system_clock())
    typer.echo("Demodaten geladen." if result.created else "Demodaten sind schon vorhanden.")
    typer.echo(f"Demo-Anmeldung: {result.email} / Passwort: {result.password}")


@app.command("fake-twilio")
def fake_twilio(
    port: Annotated[int, typer.Option(help="Port.")] = 8765,
    host: Annotated[str, typer.Option(help="Adresse.")] = "127.0.0.1",
    account_sid: Annotated[str, typer.Option(help="Account-SID, die der Fake annimmt.")] = "AC" + "0" * 32,
    auth_token: Annotated[str, typer.Option(help="Auth-Token, das der Fake annimmt.")] = "fake-token",
) -> None:
    """Eine lokale Nachbildung der Twilio-REST-API starten (für Tests und Probeläufe, ohne Internet)."""
    import uvicorn

    from telephony.outbox.fake_twilio import FakeTwilio

    fake = FakeTwilio(account_sid=account_sid, auth_token=auth_token)
    typer.echo(
        f"Fake-Twilio auf http://{host}:{port}. Fluxxfon dazu starten mit "
        f"FLUXX_TWILIO_API_URL=http://{host}:{port} FLUXX_TWILIO_ACCOUNT_SID={account_sid} "
        f"FLUXX_TWILIO_AUTH_TOKEN={auth_token}"
    )
    uvicorn.run(fake.app, host=host, port=port, log_level="info")
