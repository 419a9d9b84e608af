"""Migration 0012 fills the reversed digits of the cases that exist already, and can be undone."""

from alembic import command
from sqlalchemy import inspect, text

from core.db import make_engine
from fluxx.migrate import alembic_config, upgrade

INSERT_CASE = (
    'INSERT INTO "case" (number, year, seq, opened_at, channel, caller_phone, status, callback_needed, affiliation, '
    "created_at, updated_at) VALUES (:number, 2026, :seq, '2026-03-01 10:00:00', 'phone', :phone, 'new', 0, "
    "'none', '2026-03-01 10:00:00', '2026-03-01 10:00:00')"
)


def test_existing_cases_get_their_reversed_digits_and_the_column_goes_on_downgrade(tmp_path):
    url = f"sqlite:///{tmp_path / 'suffix.db'}"
    command.upgrade(alembic_config(url), "0011")
    engine = make_engine(url)
    with engine.begin() as connection:
        for seq, phone in ((1, "+4915123456789"), (2, None), (3, "+495111683")):
            connection.execute(text(INSERT_CASE), {"number": f"2026-{seq:06d}", "seq": seq, "phone": phone})
    engine.dispose()

    command.upgrade(alembic_config(url), "0012")

    engine = make_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text('SELECT seq, caller_phone_reversed FROM "case" ORDER BY seq')).all()
        indexes = {index["name"] for index in inspect(connection).get_indexes("case")}
    engine.dispose()
    assert rows == [(1, "9876543215194"), (2, None), (3, "386111594")]
    assert "ix_case_caller_phone_reversed" in indexes

    command.downgrade(alembic_config(url), "0011")
    engine = make_engine(url)
    with engine.connect() as connection:
        assert "caller_phone_reversed" not in {c["name"] for c in inspect(connection).get_columns("case")}
        assert connection.execute(text('SELECT count(*) FROM "case"')).scalar() == 3
    engine.dispose()
    upgrade(url)
