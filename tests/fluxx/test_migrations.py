import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from billing.models import TariffRate
from casework.enums import Affiliation
from casework.reference.models import Municipality
from fluxx.all_models import metadata


def test_migrations_produce_exactly_the_models_schema(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_the_21_municipalities_of_the_region_hannover_are_there(db):
    names = db.scalars(select(Municipality.name)).all()
    assert len(names) == 21
    assert {"Hannover", "Langenhagen", "Neustadt am Rübenberge", "Wennigsen (Deister)", "Uetze"} <= set(names)
    assert db.scalar(select(Municipality.name).where(Municipality.is_city.is_(True))) == "Hannover"


def test_the_rates_start_at_five_three_and_two_euros(db):
    rates = {rate.affiliation: rate.rate for rate in db.scalars(select(TariffRate))}
    assert rates[Affiliation.NONE] == 5
    assert rates[Affiliation.PARTNER_COMPANY] == rates[Affiliation.PARTNER_MUNICIPALITY] == 3
    assert rates[Affiliation.STUDENT] == 2
    assert db.scalar(select(func.count()).select_from(TariffRate)) == 4


def test_sqlite_runs_with_wal_and_foreign_keys(engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only: PostgreSQL always enforces foreign keys and has no journal mode")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_every_migration_can_be_undone_and_redone(tmp_path):
    from alembic import command

    from fluxx.migrate import alembic_config, upgrade

    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    upgrade(url)
    command.downgrade(alembic_config(url), "base")
    upgrade(url)


def test_case_numbers_carry_on_from_the_cases_that_existed_before_the_counter(tmp_path):
    from datetime import UTC, datetime

    from alembic import command
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from casework.cases.opening import open_case
    from casework.enums import CaseChannel
    from core.db import make_engine
    from fluxx.migrate import alembic_config, upgrade

    url = f"sqlite:///{tmp_path / 'counter.db'}"
    command.upgrade(alembic_config(url), "0003")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO \"case\" (number, year, seq, opened_at, channel, status, callback_needed, affiliation, "
            "created_at, updated_at) VALUES ('2026-000041', 2026, 41, '2026-03-01 10:00:00', 'phone', 'new', 0, "
            "'none', '2026-03-01 10:00:00', '2026-03-01 10:00:00')"
        ))  # fmt: skip
    upgrade(url)
    with Session(engine) as db:
        case = open_case(db, channel=CaseChannel.PHONE, now=datetime(2026, 11, 28, 12, tzinfo=UTC), zone=UTC)
        assert case.number == "2026-000042"
        next_year = open_case(db, channel=CaseChannel.PHONE, now=datetime(2027, 1, 1, 12, tzinfo=UTC), zone=UTC)
        assert next_year.number == "2027-000001"
    engine.dispose()
