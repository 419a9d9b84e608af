"""Database plumbing: one declarative base, engines for SQLite and PostgreSQL, UTC timestamps."""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    Enum,
    Insert,
    MetaData,
    Table,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.expression import Executable
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Enums are stored as their value in a VARCHAR(32): portable, readable in SQL, no ALTER TYPE.
    type_annotation_map = {
        datetime: UTCDateTime(),
        enum.StrEnum: Enum(
            enum.StrEnum,
            native_enum=False,
            length=32,
            values_callable=lambda members: [member.value for member in members],
            validate_strings=True,
        ),
    }


# How long a writer waits for another before giving up. Twilio waits 15 s for a webhook's answer:
# a voice step that gives up after 10 s still has time to answer with the fallback TwiML.
BUSY_TIMEOUT_SECONDS = 10
# Execution option of the units of work that may write (see transaction()).
WRITE = "fluxx_write"
_LOCK_HELD = "fluxx_holds_write_lock"


def make_engine(url: str, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS, **kwargs: Any) -> Engine:
    """Create an engine. SQL parameters never appear in error messages: they hold personal data."""
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout}, **kwargs)
        _sqlite_write_transactions(engine, busy_timeout)
        return engine
    engine = create_engine(url, pool_pre_ping=True, **kwargs)
    event.listen(engine, "connect", _without_jit)
    return engine


def _without_jit(dbapi_connection: Any, _record: object) -> None:
    """PostgreSQL compiles a query whose estimated cost passes `jit_above_cost` to machine code first. Our queries
    are short, and the few that are priced high (the statistics over a million cases) ran faster without it:
    one year 915 -> 260 ms, all years 2.1 -> 1.4 s (bench/notes.md). Off for every connection of ours."""
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True  # a SET inside a transaction that is rolled back would be undone
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    dbapi_connection.autocommit = autocommit


def _sqlite_write_transactions(engine: Engine, busy_timeout: float) -> None:
    """SQLite has one writer at a time; make every writer wait its turn instead of failing.

    Python's sqlite3 module starts a transaction lazily and DEFERRED: a unit of work that reads first
    (is this CallSid known? which case number is next?) and writes later holds a read snapshot, and when
    another connection has written meanwhile, SQLite refuses the upgrade to a writer at once
    (SQLITE_BUSY, "database is locked") without waiting for the busy timeout: two calls arriving
    together made one caller hear the fault message. So a unit of work that may write (WRITE, set by
    transaction()) begins as a writer, BEGIN IMMEDIATE, and waits up to the busy timeout for the lock.
    Everything else keeps the driver's behaviour: reads run outside a transaction, concurrently with
    the writer (WAL).

    Inside one process the writers also queue on a lock of ours: SQLite's busy handler polls with
    sleeps of up to 100 ms, which gave a long tail under load, while a thread waiting on a Python lock
    runs the moment it is free. Other processes (`fluxx worker`, the CLI) still meet at BEGIN IMMEDIATE.
    The lock is released only after COMMIT or ROLLBACK has run, not before.
    """
    lock = threading.Lock()

    def end(conn: Connection, finish: Callable[[Any], None]) -> None:
        if not conn.info.get(_LOCK_HELD):
            return
        dbapi_connection: Any = conn.connection.dbapi_connection
        try:
            finish(dbapi_connection)
        finally:
            dbapi_connection.isolation_level = ""  # back to the driver's own transactions
            release(conn.info)

    def release(info: dict[Any, Any]) -> None:
        if info.pop(_LOCK_HELD, False):
            lock.release()

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        if not conn.get_execution_options().get(WRITE):
            return
        if not lock.acquire(timeout=busy_timeout):
            raise OperationalError("BEGIN IMMEDIATE", None, TimeoutError("database is locked (waited for writers)"))
        conn.info[_LOCK_HELD] = True
        dbapi_connection: Any = conn.connection.dbapi_connection
        try:
            dbapi_connection.isolation_level = None  # the driver must not begin (or end) on its own
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            dbapi_connection.isolation_level = ""
            release(conn.info)
            raise

    # These events run before SQLAlchemy's own COMMIT/ROLLBACK: we end the transaction here so the
    # lock is released after it; the driver's commit or rollback right after finds nothing to do.
    @event.listens_for(engine, "commit")
    def _commit(conn: Connection) -> None:
        end(conn, lambda dbapi_connection: dbapi_connection.commit())

    @event.listens_for(engine, "rollback")
    def _rollback(conn: Connection) -> None:
        def rollback(dbapi_connection: Any) -> None:
            with suppress(Exception):  # SQLAlchemy's own rollback right after reports the error
                dbapi_connection.rollback()

        end(conn, rollback)

    # A connection that is invalidated or returned without COMMIT/ROLLBACK still frees the lock.
    @event.listens_for(engine.pool, "checkin")
    def _checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            release(record.info)

    @event.listens_for(engine.pool, "invalidate")
    def _invalidate(_dbapi_connection: Any, record: Any, _exception: Any) -> None:
        release(record.info)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def writer(factory: sessionmaker[Session]) -> Engine:
    """The factory's engine, marked so that its transactions begin as writers (same pool)."""
    engine: Engine = factory.kw["bind"]
    return engine if engine.get_execution_options().get(WRITE) else engine.execution_options(**{WRITE: True})


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work (a request, a worker job, a CLI command): commit on success, roll back on error.

    It may write, so on SQLite it begins as the writer (see _sqlite_write_transactions).
    """
    session = factory(bind=writer(factory))
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def refusable(db: Session) -> Iterator[None]:
    """Run a service call that may refuse in a savepoint of the request's transaction.

    A view that catches a refusal (a `core.errors.DomainError`) to show its page again with the German
    reason wraps the call in this, once, instead of rolling back by hand:

        try:
            with refusable(db):
                service.add_note(db, ...)
        except CaseworkError as exc:
            return render_page(..., error=str(exc))

    When the block raises, what it wrote is rolled back (`ROLLBACK TO SAVEPOINT`; the objects it changed
    are expired, those it added expunged) and the error goes on; what the request wrote before the block
    stays, and so does the transaction: the page shown about the refusal, and its audit entry, are
    committed as usual. Any other error rolls the block back the same way before it goes on (and, not
    caught, rolls back the whole request in `transaction`). A block that ends normally keeps its writes.
    """
    with db.begin_nested():
        yield


def insert_on_conflict(db: Session, model: type[Any]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that can say ON CONFLICT DO NOTHING / DO UPDATE, in the dialect of the session's database."""
    if db.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def insert_or_skip(
    db: Session, model: type[Base], *, on: tuple[str, ...], returning: str | tuple[str, ...] | None = None
) -> Executable:
    """INSERT … ON CONFLICT (`on`) DO NOTHING [RETURNING `returning`], in the dialect of the session's database,
    built once per database kind and model: the row's values come as the execution's parameters. For the hot
    paths (an inbound SMS, a late yes), where building the statement anew cost more than running it."""
    return _insert_or_skip(db.get_bind().dialect.name, model, on, returning)


@cache
def _insert_or_skip(
    dialect: str, model: type[Base], on: tuple[str, ...], returning: str | tuple[str, ...] | None
) -> Executable:
    insert = postgresql.insert(model) if dialect == "postgresql" else sqlite.insert(model)
    statement = insert.on_conflict_do_nothing(index_elements=[getattr(model, key) for key in on])
    if not returning:
        return statement
    keys = (returning,) if isinstance(returning, str) else returning
    return statement.returning(*(getattr(model, key) for key in keys))


PSYCOPG_CACHED_PARAMS = 50  # psycopg._queries.MAX_CACHED_STATEMENT_PARAMS: statements with more are parsed anew


def insert_rows(
    connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]], *, key: str | None = None
) -> list[int]:
    """INSERT `rows` (all with the same columns) into `table` in one statement; with `key`, a unique column of
    theirs, the new rows' ids in the order of `rows`. For the hot path of incoming calls (`core.group_commit`).

    On PostgreSQL an INSERT … SELECT from `unnest` of one array per column: one short statement text whatever
    the number of rows. SQLAlchemy's multi-row VALUES (its "insertmanyvalues") writes a placeholder per value,
    a text psycopg parses anew in Python for every statement above fifty values: under load, with thirty calls
    to a batch, that parsing was a quarter of the writer's CPU (bench/notes.md). An INSERT … SELECT returns its
    rows in no promised order, so the ids are matched to the rows by `key`. Up to fifty values psycopg keeps the
    parsed text, and the multi-row VALUES (returned in the order of the rows: `sort_by_parameter_order`) is the
    cheaper; SQLite, which parses the text in C, takes it always."""
    if not rows:
        return []
    columns = tuple(rows[0])
    if connection.dialect.name == "postgresql" and len(rows) * len(columns) > PSYCOPG_CACHED_PARAMS:
        arrays = {name: [row[name] for row in rows] for name in columns}
        result = connection.execute(_unnest_insert(table, columns, key), arrays)
        if key is None:
            return []
        ids = {row_key: int(row_id) for row_id, row_key in result}
        return [ids[row[key]] for row in rows]
    result = connection.execute(_values_insert(table, key is not None), list(rows))
    return [int(row_id) for row_id in result.scalars()] if key is not None else []


@cache
def _unnest_insert(table: Table, columns: tuple[str, ...], key: str | None) -> Insert:
    """INSERT INTO table (columns) SELECT … FROM unnest(:column::type[], …) [RETURNING id, key], built
    once per table and columns: each column's values come as one array of its own type (UTC timestamps, enums as
    their values: the array's items go through the column type's own conversion)."""
    arrays = [bindparam(name, type_=postgresql.ARRAY(table.c[name].type)) for name in columns]  # psycopg: $1::type[]
    source = func.unnest(*arrays).table_valued(*columns).render_derived()  # … AS anon_1(column, …)
    statement = insert(table).from_select(list(columns), select(*source.c))
    return statement.returning(table.c.id, table.c[key]) if key is not None else statement


@cache
def _values_insert(table: Table, returning_ids: bool) -> Insert:
    statement = insert(table)
    return statement.returning(table.c.id, sort_by_parameter_order=True) if returning_ids else statement


def describe_error(exc: BaseException) -> str:
    """The error's class and the database's own message, for logs: never the SQL's parameters, and
    only the first line (PostgreSQL's DETAIL line may quote a row's values)."""
    orig = getattr(exc, "orig", None)
    message = getattr(getattr(orig, "diag", None), "message_primary", None) or str(orig if orig is not None else exc)
    first_line = message.strip().splitlines()[0] if message.strip() else ""
    return f"{type(exc).__name__}: {first_line[:200]}"


def let_go(db: Session) -> None:
    """End the request's transaction (the login check) before a long part that writes in batches of its own
    (an import, a bill run): on SQLite it holds the only writer's lock, which incoming calls and the batches
    would wait for. What the route writes later begins a new, short transaction."""
    db.commit()
