"""Isolated test databases: SQLite by default, PostgreSQL when FLUXX_TEST_DATABASE_URL is set.

SQLite: the migrations run once into a template file; every test gets its own copy.
PostgreSQL: every test run gets its own schema (runs never see each other's rows); the migrations run
once, and after each test all tables are emptied and the reference data put back.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select, text

from core.db import make_engine
from fluxx.all_models import metadata
from fluxx.migrate import upgrade

POSTGRES_URL = os.environ.get("FLUXX_TEST_DATABASE_URL", "")


class TestDatabase:
    """Hands out a fresh, migrated database per test."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.is_postgres = POSTGRES_URL.startswith("postgresql")
        if self.is_postgres:
            self.schema = f"fluxx_test_{uuid.uuid4().hex[:10]}"
            admin = make_engine(POSTGRES_URL)
            with admin.begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            admin.dispose()
            # The schema travels in the URL, so the CLI and apps built from settings find it too.
            separator = "&" if "?" in POSTGRES_URL else "?"
            self.url = f"{POSTGRES_URL}{separator}options=-csearch_path%3D{self.schema}"
            self.engine = make_engine(self.url)
            with self.engine.begin() as connection:
                upgrade(connection=connection)
            self.reference = self._snapshot()
        else:
            self.template = workdir / "template.db"
            upgrade(f"sqlite:///{self.template}")

    def _snapshot(self) -> dict[str, list[dict[str, Any]]]:
        rows: dict[str, list[dict[str, Any]]] = {}
        with self.engine.connect() as connection:
            for table in metadata.sorted_tables:
                found = [dict(row._mapping) for row in connection.execute(select(table))]
                if found:
                    rows[table.name] = found
        return rows

    def fresh(self) -> Engine:
        if self.is_postgres:
            return self.engine
        path = self.workdir / f"test-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(self.template, path)
        return make_engine(f"sqlite:///{path}")

    def release(self, engine: Engine) -> None:
        if self.is_postgres:
            self._reset()
        else:
            engine.dispose()
            Path(engine.url.database or "").unlink(missing_ok=True)

    def _reset(self) -> None:
        names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
        with self.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            for table in metadata.sorted_tables:
                if table.name in self.reference:
                    connection.execute(insert(table), self.reference[table.name])
            # Keep generated ids clear of the reference rows put back with their own ids.
            for table in metadata.sorted_tables:
                if table.name in self.reference and "id" in table.c:
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                            f'(SELECT max(id) FROM "{table.name}"))'
                        )
                    )

    def close(self) -> None:
        if self.is_postgres:
            self.engine.dispose()
            admin = make_engine(POSTGRES_URL)
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))
            admin.dispose()
