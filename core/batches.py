"""Long writes in short transactions, so that a call never waits long for the database.

On SQLite there is one writer at a time: an import, a bill run, a purge or the demo data written in one
transaction hold it for seconds, and every incoming call waits behind them (Twilio gives up after 15 s).
`in_batches` writes a list of items in batches, each in its own `transaction()`, and between two batches
lets the others in: the threads of this process queue on our lock and get it at once; other processes
(`fluxx serve` while `fluxx volunteers import` runs) poll SQLite's lock every 100 ms at most, so on SQLite
the batches leave a gap that long. On PostgreSQL rows are locked, not the database, and there is no gap.

Prepare everything before (read, parse, check: no transaction open while doing so) and keep `work` to the
writing itself; a batch of a few hundred rows written in bulk takes a few ten milliseconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from core.db import transaction

T = TypeVar("T")
R = TypeVar("R")

BATCH_SIZE = 250
"""Rows per transaction of a bulk write: about 10–50 ms each on SQLite and PostgreSQL."""
SQLITE_GAP_SECONDS = 0.1
"""The pause between two batches on SQLite: SQLite's busy handler waits at most this long between tries."""


class BatchFailed(RuntimeError):
    """A batch failed; the batches before it are committed. `done` counts their items, `results` are theirs."""

    def __init__(self, done: int, results: list[object]) -> None:
        super().__init__(f"batch failed after {done} items")
        self.done = done
        self.results = results


def gap_for(factory: sessionmaker[Session]) -> float:
    """How long to leave the database to others between two batches (see the module docstring)."""
    engine = factory.kw["bind"]
    return SQLITE_GAP_SECONDS if engine.dialect.name == "sqlite" else 0.0


def in_batches(
    factory: sessionmaker[Session],
    items: Sequence[T],
    size: int,
    work: Callable[[Session, Sequence[T]], R],
    progress: Callable[[int, int], None] | None = None,
    *,
    gap: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[R]:
    """Run `work(db, batch)` for consecutive batches of at most `size` items, each batch in its own
    transaction (committed before the next begins); the results in order. `progress(done, total)` is
    called after each committed batch. When a batch fails, its transaction is rolled back and
    `BatchFailed` (with the committed batches' count and results) is raised from the error."""
    if size < 1:
        raise ValueError("size must be at least 1")
    pause = gap_for(factory) if gap is None else gap
    results: list[R] = []
    done = 0
    for start in range(0, len(items), size):
        if start and pause:
            sleep(pause)  # let the waiting writers in: calls, staff, the worker, other processes
        batch = items[start : start + size]
        try:
            with transaction(factory) as db:
                results.append(work(db, batch))
        except Exception as exc:
            raise BatchFailed(done, list(results)) from exc
        done += len(batch)
        if progress is not None:
            progress(done, len(items))
    return results
