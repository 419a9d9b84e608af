import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from casework.billing.models import TariffRate
from casework.enums import Affiliation
from casework.reference.models import Municipality
from fluxx.app.all_models import metadata


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

    from fluxx.app.migrate import alembic_config, upgrade

    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    upgrade(url)
    command.downgrade(alembic_config(url), "base")
    upgrade(url)
