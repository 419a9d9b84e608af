"""Every PostgreSQL connection of ours runs without JIT compilation (core.db): the statistics over a million
cases ran several times faster without it (bench/notes.md)."""

import pytest
from sqlalchemy import text


def test_postgresql_connections_compile_no_query_to_machine_code(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with engine.connect() as connection:
        assert connection.scalar(text("SHOW jit")) == "off"
        connection.rollback()  # set outside any transaction: a rollback does not undo it
        assert connection.scalar(text("SHOW jit")) == "off"
    engine.dispose()
    with engine.connect() as connection:  # a new connection too
        assert connection.scalar(text("SHOW jit")) == "off"
