"""The `fluxx` command line: serve, worker, db upgrade, staff create, volunteers import, bills issue, retention
purge, demo, fake-twilio."""

from __future__ import annotations

import enum
import logging
import signal
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from core.settings import Settings, SettingsError, load_settings
from reporting.statistics.texts import DEFINITIONS, MORE

STATISTICS_DEFINITIONS = (*DEFINITIONS, *MORE)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

app = typer.Typer(help="Fluxxfon: Anrufe, Fälle und Einsätze der Fluxx-Notfallbetreuung.", no_args_is_help=True)
db_app = typer.Typer(help="Datenbank verwalten.", no_args_is_help=True)
staff_app = typer.Typer(help="Mitarbeitende verwalten.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(staff_app, name="staff")
volunteers_app = typer.Typer(help="Ehrenamtliche verwalten.", no_args_is_help=True)
app.add_typer(volunteers_app, name="volunteers")
bills_app = typer.Typer(help="Rechnungen stellen.", no_args_is_help=True)
app.add_typer(bills_app, name="bills")
retention_app = typer.Typer(help="Aufbewahrung: personenbezogene Daten nach Ablauf der Fristen entfernen.",
                            no_args_is_help=True)  # fmt: skip
app.add_typer(retention_app, name="retention")


stats_app = typer.Typer(
    help="Die Statistik eines Zeitraums (Kennzahlen zuerst), als Tabelle, CSV oder JSON.\n\n"
    + "\n\n".join(f"{d.label} ({d.key}): {d.text}" for d in STATISTICS_DEFINITIONS),
    invoke_without_command=True,
)
app.add_typer(stats_app, name="stats")


# Libraries that log every URL they request at INFO or DEBUG: a URL may carry a search term or a number.
QUIET_LOGGERS = ("httpx", "httpcore", "urllib3")


def _configure_logging() -> None:
    """The service's log: our own lines at INFO, never the URLs the HTTP clients request (README "Betrieb")."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def _write_file(target: Path, document: bytes, what: str) -> None:
    """Write a file a command made; a folder that cannot take it is a German error (exit 1), not a traceback."""
    try:
        target.write_bytes(document)
    except OSError:
        typer.echo(f"Fehler: {what} lässt sich nicht nach „{target}“ schreiben.", err=True)
        raise typer.Exit(1) from None


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        typer.echo(f"Fehler in den Einstellungen: {exc}", err=True)
        raise typer.Exit(2) from None


def _stop_on_signals(stop: threading.Event) -> None:
    """SIGTERM and Ctrl+C end the command cleanly (exit 0) by setting `stop`.

    uvicorn shuts down gracefully on them and then raises the signal again for the handler it found:
    without one of ours the process died of it before the in-process worker finished its send.
    """
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())


def _sessionmaker(settings: Settings) -> sessionmaker[Session]:
    """The database of a command, ready for whatever the command does in a fresh process.

    Every model is mapped first: relationships name other models by class name, and a command that
    imported only some of them failed at its first query (`fluxx staff create` on a fresh install). The
    list of what a case owns is connected (`fluxx.wiring.connect`). Every command that uses the database
    comes through here.
    """
    import fluxx.all_models  # noqa: F401
    from core.db import make_engine, make_sessionmaker
    from fluxx import wiring

    wiring.connect()
    return make_sessionmaker(make_engine(settings.database_url))


def _schedule_retention(factory: sessionmaker[Session], settings: Settings) -> None:
    """The nightly retention purge (`retention.tasks`), scheduled by every worker at start-up."""
    from core.clock import system_clock
    from core.db import transaction
    from retention.tasks import schedule_nightly

    with transaction(factory) as db:
        schedule_nightly(db, now=system_clock(), zone=settings.zone, days=settings.retention_days)


def _pollers(factory: sessionmaker[Session], settings: Settings, stop: threading.Event) -> list[Any]:
    """What the worker looks after besides its queue, in `fluxx worker` and in the worker of `fluxx serve`: the
    SMS sender, the nightly deletion of old voicemails at Twilio and here (`retention.tasks.VoicemailSweeper`),
    and the counting of ended months ahead of the statistics page (`reporting.statistics.tasks`)."""
    from core.clock import system_clock
    from fluxx import wiring
    from messaging.gateway import recordings_for
    from messaging.sender import sender_for
    from reporting.statistics.tasks import StatisticsKeeper
    from retention.tasks import VoicemailSweeper

    return [
        sender_for(settings, factory, clock=system_clock, stop=stop, recipients=wiring.RECIPIENTS),
        VoicemailSweeper(
            factory, recordings_for(settings), clock=system_clock, zone=settings.zone, days=settings.voicemail_days
        ),
        StatisticsKeeper(factory, clock=system_clock, zone=settings.zone),
    ]


def _refuse_unhandled_tasks(factory: sessionmaker[Session], handlers: Mapping[str, Any]) -> None:
    """The worker does not start while tasks wait that nobody would run (an older or newer release's):
    they would fail one by one, unnoticed. The operator learns which kinds and ends the command."""
    from core.worker import MissingHandlers, check_handlers

    try:
        check_handlers(factory, handlers)
    except MissingHandlers as exc:
        typer.echo(f"Fehler: {exc}. Worker nicht gestartet: passende Version einspielen.", err=True)
        raise typer.Exit(1) from exc


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

    from core.clock import system_clock
    from core.context import AppContext
    from core.worker import run_forever
    from fluxx.factory import create_app
    from fluxx.warm import freeze, warm_pages, warm_up

    settings = _settings()
    _configure_logging()
    web_app = create_app(settings)
    app_context: AppContext = web_app.state.context
    warm_up(app_context.templates, now=system_clock())  # before the first caller, not during their call
    warm_pages(web_app)
    freeze()  # last: what the warm-up made stays too
    stop = threading.Event()
    _stop_on_signals(stop)
    thread: threading.Thread | None = None
    in_process = with_worker if with_worker is not None else settings.database_url.startswith("sqlite")
    if in_process:
        factory = app_context.sessionmaker
        _refuse_unhandled_tasks(factory, app_context.handlers)
        _schedule_retention(factory, settings)
        thread = threading.Thread(
            target=run_forever,
            kwargs={
                "factory": factory,
                "clock": system_clock,
                "handlers": app_context.handlers,
                "stop": stop,
                "pollers": _pollers(factory, settings, stop),
            },  # fmt: skip
            name="fluxx-worker",
            daemon=True,
        )
        thread.start()
    mode = "Simulationsmodus (ohne Twilio)" if settings.simulation else "mit Twilio"
    typer.echo(f"Fluxxfon läuft auf http://{host}:{port} – {mode}")
    try:
        # No access log: its URLs carry search terms (names, phone numbers) that must not land in logs.
        # No proxy headers from uvicorn either: the app believes X-Forwarded-For only from
        # FLUXX_TRUSTED_PROXIES (core.web.client_ip).
        uvicorn.run(web_app, host=host, port=port, log_level="info", access_log=False, proxy_headers=False)
    finally:
        stop.set()
        if thread is not None:
            thread.join(timeout=30)  # let a send in progress finish and record Twilio's answer


@app.command()
def worker(
    poll: Annotated[float, typer.Option(help="Sekunden zwischen zwei Blicken in die Warteschlange.")] = 1.0,
) -> None:
    """Hintergrundarbeit ausführen (SMS-Versand, Einsatz-Wellen, Erinnerungen, Statistik). Endet sauber bei SIGTERM."""
    from core import installation
    from core.clock import system_clock
    from core.worker import run_forever
    from fluxx import wiring

    settings = _settings()
    _configure_logging()
    stop = threading.Event()
    _stop_on_signals(stop)
    factory = _sessionmaker(settings)
    installation.remember_twilio(factory, settings, now=system_clock())
    handlers = wiring.task_handlers()
    _refuse_unhandled_tasks(factory, handlers)
    _schedule_retention(factory, settings)
    typer.echo("Worker läuft. Beenden mit Strg+C oder SIGTERM.")
    pollers = _pollers(factory, settings, stop)
    run_forever(factory, clock=system_clock, handlers=handlers, stop=stop, poll_seconds=poll, pollers=pollers)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Die Datenbank auf den neuesten Stand der Migrationen bringen."""
    from core import installation
    from core.clock import system_clock
    from fluxx.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    installation.remember_twilio(_sessionmaker(settings), settings, now=system_clock())
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
    from core import auth
    from core.clock import system_clock
    from core.db import transaction
    from core.models import StaffRole

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
    import fluxx.all_models  # noqa: F401
    from core import audit
    from core.clock import system_clock
    from core.db import transaction
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
    # Read and check with no transaction open (on SQLite a transaction is the only writer's lock, which the
    # calls of a running `fluxx serve` wait for); the volunteers are then stored in short batches.
    try:
        rows = read_table(data, file.name)
    except ImportFileError as exc:
        typer.echo(f"Fehler: {exc}", err=True)
        raise typer.Exit(1) from None
    factory = _sessionmaker(settings)
    with factory() as read:
        known = service.municipality_ids(read)
    preview = validate_rows(rows, known, today=now.astimezone(settings.zone).date())
    with factory() as read:
        taken = service.registered(read, [row.draft.phone for row in preview.valid])
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
    interrupted: service.ImportInterrupted | None = None
    try:
        result = service.import_in_batches(factory, preview=preview, only_valid=only_valid, now=now)
        known_problems = set(problems)
        created, late = len(result.created_ids), [m for m in result.skipped if m not in known_problems]
    except service.ImportInterrupted as exc:
        interrupted, created, late = exc, exc.created, []
    except service.RegistryError as exc:
        typer.echo(f"Fehler: {' '.join(exc.messages)}", err=True)
        raise typer.Exit(1) from None
    for message in late:  # numbers registered by someone else while the import ran
        typer.echo(message)
    skipped = len(preview.invalid) + len(preview.valid) - created
    with transaction(factory) as db:
        actor = audit.Actor(staff_id=None, ip=None, now=now)
        detail = {"source": "cli", "created": created, "skipped": skipped}
        audit.record(
            db, actor, action="volunteer.import", object_type="volunteer", object_id=None, case_id=None, detail=detail
        )
    if interrupted is not None:
        typer.echo(f"Fehler: {interrupted.messages[0]}", err=True)
        raise typer.Exit(1)
    left_out = "1 Zeile" if skipped == 1 else f"{skipped} Zeilen"
    typer.echo(f"{created} Ehrenamtliche importiert, {left_out} ausgelassen.")


@bills_app.command("issue")
def bills_issue(
    month: Annotated[str, typer.Option("--month", help="Der Monat der bestätigten Stunden, z. B. 2026-11.")],
    out: Annotated[
        Path, typer.Option("--out", help="Ordner für die Lastschriftdatei (SEPA pain.008) des Monats.")
    ] = Path("."),
) -> None:
    """Die Rechnungen eines Monats stellen: eine je Fall mit bestätigten, noch nicht berechneten Stunden.

    Ein zweiter Lauf stellt nichts doppelt; Fälle ohne berechenbare Stunden bekommen keine Rechnung.
    Rechnungen von Familien mit Lastschriftmandat stehen in der Lastschriftdatei lastschriften-JJJJ-MM.xml.
    """
    from billing.bills import rules
    from billing.bills.service import Terms, issue_month, sepa_file
    from core import audit
    from core.clock import system_clock
    from core.errors import FieldErrors
    from core.formats import count_de, money_de

    settings = _settings()
    try:
        first = rules.parse_month(month)
    except FieldErrors as exc:
        typer.echo(f"Fehler: {exc.errors['month']}", err=True)
        raise typer.Exit(2) from None
    factory = _sessionmaker(settings)
    actor = audit.Actor(staff_id=None, ip=None, now=system_clock())
    label = rules.month_label(first)
    with typer.progressbar(length=1, label=f"Rechnungen {label}", file=sys.stderr) as bar:

        def progress(done: int, total: int) -> None:  # after each transaction of a few cases
            bar.length = total
            bar.update(done - bar.pos)

        run = issue_month(
            factory, month=first, terms=Terms(settings.zone, settings.billing_payment_days), actor=actor,
            progress=progress,
        )  # fmt: skip
    if not run.bills:
        typer.echo(rules.nothing_to_bill(first))
    else:
        numbers = f"{run.bills[0].number} bis {run.bills[-1].number}" if len(run.bills) > 1 else run.bills[0].number
        count = count_de(len(run.bills), "Rechnung", "Rechnungen")
        typer.echo(f"{count} für {label} gestellt ({numbers}), zusammen {money_de(run.total)}.")
    with factory() as db:
        document, collections = sepa_file(db, month=first, settings=settings)
    if document is not None:
        target = out / f"lastschriften-{first:%Y-%m}.xml"
        _write_file(target, document, "Die Lastschriftdatei")
        typer.echo(f"Lastschriftdatei mit {collections} Einzug/Einzügen: {target}")


@retention_app.command("purge")
def retention_purge(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Nur zählen, was fällig ist; nichts ändern.")] = False,
) -> None:
    """Personenbezogene Daten entfernen, deren Aufbewahrungsfrist abgelaufen ist.

    Sprachnachrichten nach FLUXX_VOICEMAIL_DAYS Tagen (auch bei Twilio), geschlossene Fälle nach
    FLUXX_RETENTION_DAYS Tagen (Namen, Nummern, Adressen, Notizen, SMS-Texte, Protokolldetails; was die
    Statistik zählt, bleibt), mit ihnen die SMS-Texte mit Ehrenamtlichen zu ihren Einsätzen, Ehrenamtliche nach
    FLUXX_RETENTION_DAYS Tagen Deaktivierung (Stunden bleiben), Rechnungsdaten acht Jahre nach Ende des Jahres
    der Rechnung (§ 147 AO, § 257 HGB), fehlgeschlagene Anmeldungen und Sitzungen nach 90 Tagen. In kurzen
    Schritten, die Hotline bleibt erreichbar; ein abgebrochener Lauf wird beim nächsten Mal fortgesetzt.
    """
    from core.clock import system_clock
    from messaging.gateway import recordings_for
    from retention import service
    from retention.rules import Kind

    settings = _settings()
    factory = _sessionmaker(settings)
    now = system_clock()
    today = now.astimezone(settings.zone).date()
    days = settings.retention_days
    with factory() as db:
        due = service.due(db, now=now, days=days, today=today, voicemail_days=settings.voicemail_days)
    if dry_run:
        typer.echo(f"Probelauf (nichts geändert), Aufbewahrung von Fällen: {days} Tage, "
                   f"von Sprachnachrichten: {settings.voicemail_days} Tage")  # fmt: skip
        for line in due.lines():
            typer.echo(line)
        return
    total = sum(due.counts.values())
    with typer.progressbar(length=max(total, 1), label="Aufbewahrung", file=sys.stderr) as bar:

        def progress(kind: Kind, done: int) -> None:
            bar.update(done)

        report = service.purge(
            factory, now=now, days=days, today=today, progress=progress, recordings=recordings_for(settings),
            voicemail_days=settings.voicemail_days,
        )  # fmt: skip
    for line in report.lines():
        typer.echo(line)


class StatsFormat(enum.StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


class StatsBy(enum.StrEnum):
    MONTH = "month"
    NEED = "need"
    MUNICIPALITY = "municipality"
    PARTNER = "partner"


@stats_app.callback()
def stats(
    ctx: typer.Context,
    start: Annotated[str | None, typer.Option("--from", help="Erster Tag, z. B. 2026-01-01.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Letzter Tag, z. B. 2026-12-31.")] = None,
    output: Annotated[StatsFormat, typer.Option("--format", help="Ausgabe: table, csv oder json.")] = StatsFormat.TABLE,
    by: Annotated[
        StatsBy | None, typer.Option("--by", help="Aufschlüsseln nach month, need, municipality, partner.")
    ] = None,
) -> None:
    """Die Statistik eines Zeitraums: erst die Kennzahlen, dann auf Wunsch eine Aufschlüsselung."""
    if ctx.invoked_subcommand is not None:
        return
    import json

    from core.clock import system_clock
    from reporting.statistics import rules, service
    from reporting.statistics.service import By, Scope

    settings = _settings()
    first, last = rules.parse_day(start or ""), rules.parse_day(end or "")
    if first is None or last is None or last < first:
        typer.echo("Fehler: --from und --to als Datum angeben, z. B. --from 2026-01-01 --to 2026-12-31.", err=True)
        raise typer.Exit(2)
    scope = Scope(rules.Span(first, last), settings.zone, system_clock())
    kinds = {StatsBy.MONTH: [By.MONTH], StatsBy.NEED: [By.NEED], StatsBy.MUNICIPALITY: [By.MUNICIPALITY],
             StatsBy.PARTNER: [By.PARTNER_COMPANY, By.PARTNER_MUNICIPALITY]}  # fmt: skip
    with _sessionmaker(settings)() as db:
        totals = service.totals(db, scope)
        breakdowns = {kind: service.breakdown(db, scope, kind) for kind in kinds.get(by, [])} if by else {}
        # The network on the period's last day (today for a period still running), as in the annual report.
        cover = service.coverage(db, min(last, scope.now.astimezone(settings.zone).date()))
    if output is StatsFormat.JSON:
        typer.echo(json.dumps(service.as_json(scope, totals, breakdowns, cover), ensure_ascii=False, indent=2))
        return
    tables = service.cli_tables(totals, breakdowns)
    if output is StatsFormat.CSV:
        from core.spreadsheet import csv_bytes

        rows: list[list[str]] = []
        for table in tables:
            rows += [*([[]] if rows else []), table.header, *table.rows]
        sys.stdout.buffer.write(csv_bytes(rows))
        sys.stdout.flush()
        return
    typer.echo(f"Statistik {first:%d.%m.%Y}–{last:%d.%m.%Y}")
    for table in tables:
        typer.echo("")
        typer.echo(service.plain_table(table))


@stats_app.command("report")
def stats_report(
    year: Annotated[int, typer.Option("--year", help="Das Jahr, z. B. 2022.")],
    out: Annotated[Path, typer.Option("--out", help="Ordner für die PDF-Datei.")] = Path("."),
) -> None:
    """Den Jahresbericht als PDF schreiben (jahresbericht-JJJJ.pdf): Kennzahlen, Diagramm, Tabellen, Netzwerk."""
    from core.clock import system_clock
    from reporting.statistics import annual, rules

    settings = _settings()
    now = system_clock()
    if not rules.FIRST_DAY.year <= year <= now.astimezone(settings.zone).year:
        typer.echo(f"Fehler: Bitte ein Jahr von {rules.FIRST_DAY.year} bis heute angeben.", err=True)
        raise typer.Exit(2)
    with _sessionmaker(settings)() as db:
        document = annual.render(db, year=year, zone=settings.zone, now=now)
    target = out / f"jahresbericht-{year}.pdf"
    _write_file(target, document, "Der Jahresbericht")
    typer.echo(f"Jahresbericht {year}: {target}")


@app.command()
def demo(
    start: Annotated[
        str | None, typer.Option("--from", help="Mit Vorgeschichte ab diesem Tag, z. B. 2015-01-01.")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="Vorgeschichte bis zu diesem Tag, z. B. 2022-06-30.")] = None,
    seed_totals: Annotated[
        bool,
        typer.Option(
            "--seed-totals",
            help="Die Vorgeschichte ergibt genau die Zahlen des Fluxx-Berichts: 9.832 Krisenberatungen, 3.900 "
            "Notfälle, 16.033 Betreuungsstunden, 297 Fahrdienste (Netzwerk 2021/22: 47 Partnerbetriebe, "
            "14 Partnerkommunen). Ohne: so viel wie im Bericht pro Tag.",
        ),
    ] = False,
    seed: Annotated[int, typer.Option("--seed", help="Zufallsstartwert: gleicher Wert, gleiche Daten.")] = 2015,
) -> None:
    """Demodaten laden (Mitarbeitende, Partner, Ehrenamtliche, einige Fälle); nur beim ersten Mal.

    Mit --from und --to (oder --seed-totals) dazu eine Vorgeschichte: Anrufe, Fälle, Einsätze, Stunden und
    Rechnungen über Jahre, in kurzen Schritten geschrieben (die Hotline bleibt erreichbar).
    """
    from core.clock import system_clock
    from core.db import transaction
    from fluxx import demo as demo_data
    from fluxx.history import load as history
    from fluxx.history import network, plan
    from reporting.statistics import rules

    settings = _settings()
    if not settings.simulation:
        # The demo creates an admin with a published password and invented people: never in production.
        typer.echo("Fehler: Demodaten nur im Simulationsmodus (ohne Twilio-Zugangsdaten).", err=True)
        raise typer.Exit(code=1)
    now = system_clock()
    with_history = seed_totals or start is not None or end is not None
    first = rules.parse_day(start) if start else plan.SEED_FIRST
    last = rules.parse_day(end) if end else plan.SEED_LAST
    # The history's bills are issued on the 2nd of the following month: it ends before the current month.
    this_month = now.astimezone(settings.zone).date().replace(day=1)
    if with_history and (first is None or last is None or last < first or last >= this_month):
        typer.echo("Fehler: --from und --to als Datum angeben, --to vor dem laufenden Monat, z. B. --from 2015-01-01 "
                   "--to 2022-06-30.", err=True)  # fmt: skip
        raise typer.Exit(code=2)
    factory = _sessionmaker(settings)
    try:
        with transaction(factory) as db:
            result = demo_data.load(db, now=now, seed=seed, network=network.apply if with_history else None)
    except demo_data.DemoRefused as exc:
        typer.echo(f"Fehler: {exc}", err=True)
        raise typer.Exit(code=1) from None
    if result.created and with_history and first is not None and last is not None:
        targets = plan.SEED if seed_totals else plan.scaled(first, last)
        with typer.progressbar(length=1, label="Vorgeschichte", file=sys.stderr) as bar:

            def progress(done: int, total: int) -> None:
                bar.length = total
                bar.update(done - bar.pos)

            written = history.write_history(
                factory, first=first, last=last, targets=targets, seed=seed,
                payment_days=settings.billing_payment_days, progress=progress,
            )  # fmt: skip
        typer.echo(f"Vorgeschichte {first:%d.%m.%Y}–{last:%d.%m.%Y}: {written.stories} Anrufe, "
                   f"{written.carers} Ehrenamtliche, {written.rows} Datensätze.")  # fmt: skip
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

    from messaging.fake_twilio import FakeTwilio

    fake = FakeTwilio(account_sid=account_sid, auth_token=auth_token)
    typer.echo(
        f"Fake-Twilio auf http://{host}:{port}. Fluxxfon dazu starten mit "
        f"FLUXX_TWILIO_API_URL=http://{host}:{port} FLUXX_TWILIO_ACCOUNT_SID={account_sid} "
        f"FLUXX_TWILIO_AUTH_TOKEN={auth_token}"
    )
    _stop_on_signals(threading.Event())
    uvicorn.run(fake.app, host=host, port=port, log_level="info")
