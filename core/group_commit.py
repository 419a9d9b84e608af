"""Group commit: one writer thread stores the rows of all waiting requests in one transaction.

SQLite has one writer at a time. With one transaction per request, fifty callers at once queue for the
write lock, and each of them needs the interpreter's lock (the GIL) to do its short part: the holder of
the write lock waits for the GIL behind the other threads, and every handover costs more than the
write itself. Here a request hands its prepared rows to the writer and waits (on the event loop, not in
a thread); the writer takes everything that has arrived meanwhile and commits it together. A request
learns its own result, or the error of its transaction, exactly as if it had written alone:

- the batch commits: every request gets its result;
- the batch fails with an IntegrityError (one request's row collides, e.g. a CallSid Twilio retried):
  each request is written again on its own, so only the colliding one gets the error;
- any other error (the database is gone): every request of the batch gets it, nothing is half-written;
  unless the writer was made to write each request alone on such errors too (`alone_on`): a writer whose
  units of work take locks (an inbound SMS) must not let one request's lock timeout fail the others.

A request that waited in the queue longer than the writer's `patience` (the batch before it held a lock far too
long) is not written: it gets `Overdue`, and its webhook answers with its safe fallback before Twilio gives up.

The writer thread starts with the first request and ends after a second without work. It is one more
writer among the others (`core.db.transaction`): on SQLite it takes the same write lock.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from contextlib import suppress
from typing import Generic, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core.db import transaction

T = TypeVar("T")
R = TypeVar("R")

MAX_BATCH = 200
IDLE_SECONDS = 1.0


class Overdue(Exception):
    """The request waited longer than the writer's `patience` for its turn; nothing of it was written."""


# Where a request's outcome goes: the future `submit` returned, or the asyncio future `write` awaits.
_Waiter = Future[R] | asyncio.Future[R]
# A queued request: its item, its waiter, and when it was queued (`GroupCommit.clock`).
_Entry = tuple[T, _Waiter[R], float]
# An outcome for a waiter: its result, or the exception to raise instead.
_Outcome = tuple[_Waiter[R], R | None, BaseException | None]


class GroupCommit(Generic[T, R]):
    """Write items of type T with `work(db, items) -> results` (one result per item, in order)."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        work: Callable[[Session, Sequence[T]], Sequence[R]],
        *,
        name: str,
        max_batch: int = MAX_BATCH,
        alone_on: tuple[type[Exception], ...] = (IntegrityError,),
        patience: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.factory = factory
        self.work = work
        self.name = name
        self.max_batch = max_batch
        self.alone_on = alone_on
        self.patience = patience
        self.clock = clock
        self._queue: queue.SimpleQueue[_Entry[T, R]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, item: T) -> Future[R]:
        """Queue one item; the future holds its result or the error of its transaction."""
        future: Future[R] = Future()
        self._enqueue(item, future)
        return future

    async def write(self, item: T) -> R:
        """`submit` for a coroutine: waits on the event loop without holding a thread. The writer hands the
        outcomes of a batch to the loop in one call (`_tell`), not one thread-safe call per request through a
        concurrent future wrapped and shielded: that chain was 7 % of an incoming call's CPU under load (py-spy).
        A request cancelled meanwhile does not cancel its write: its rows are written with the others, and
        nobody is told the result."""
        waiter: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._enqueue(item, waiter)
        return await waiter

    def _enqueue(self, item: T, waiter: _Waiter[R]) -> None:
        self._queue.put((item, waiter, self.clock()))
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()

    def _run(self) -> None:
        try:
            while True:
                try:
                    first = self._queue.get(timeout=IDLE_SECONDS)
                except queue.Empty:
                    with self._lock:
                        if self._queue.empty():  # `submit` starts a new writer after this one has gone
                            self._thread = None
                            return
                    continue
                batch = [first]
                while len(batch) < self.max_batch:
                    try:
                        batch.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                self._commit(batch)
        finally:
            with self._lock:  # a writer that died of an unexpected error is replaced by the next `submit`
                if self._thread is threading.current_thread():
                    self._thread = None

    def _in_time(self, batch: list[_Entry[T, R]]) -> list[_Entry[T, R]]:
        """The entries that have not waited longer than `patience`; the others are told so (`Overdue`)."""
        if self.patience is None:
            return batch
        oldest = self.clock() - self.patience
        overdue: list[_Outcome[R]] = [(waiter, None, Overdue()) for _, waiter, queued_at in batch if queued_at < oldest]
        _tell(overdue)
        return [entry for entry in batch if entry[2] >= oldest]

    def _commit(self, batch: list[_Entry[T, R]]) -> None:
        batch = self._in_time(batch)
        if not batch:
            return
        try:
            with transaction(self.factory) as db:
                results = self.work(db, [item for item, _, _ in batch])
        except self.alone_on as exc:
            if len(batch) == 1:
                failed: list[_Outcome[R]] = [(batch[0][1], None, exc)]
                _tell(failed)
                return
            # Whose row collided (or whose unit of work failed): each on its own. One that has waited too long
            # meanwhile (the batch waited out a lock) is told so rather than tried again (`_in_time`).
            for entry in batch:
                self._commit([entry])
            return
        except BaseException as exc:
            every: list[_Outcome[R]] = [(waiter, None, exc) for _, waiter, _ in batch]  # every request raises it
            _tell(every)
            if not isinstance(exc, Exception):
                raise
            return
        stored: list[_Outcome[R]] = [
            (waiter, result, None) for (_, waiter, _), result in zip(batch, results, strict=True)
        ]
        _tell(stored)


def _tell(outcomes: list[_Outcome[R]]) -> None:
    """Hand the requests their outcomes: `submit`'s futures at once, `write`'s on their event loop, one call for
    all of a loop's (a loop that has closed meanwhile has nobody waiting)."""
    on_loops: dict[asyncio.AbstractEventLoop, list[_Outcome[R]]] = {}
    for outcome in outcomes:
        waiter = outcome[0]
        if isinstance(waiter, asyncio.Future):
            on_loops.setdefault(waiter.get_loop(), []).append(outcome)
        else:
            _settle(outcome)
    for loop, theirs in on_loops.items():
        with suppress(RuntimeError):
            loop.call_soon_threadsafe(_settle_all, theirs)


def _settle_all(outcomes: list[_Outcome[R]]) -> None:
    for outcome in outcomes:
        _settle(outcome)


def _settle(outcome: _Outcome[R]) -> None:
    """Hand a request its outcome; one that was cancelled meanwhile wants none (and must not stop the writer)."""
    waiter, result, exception = outcome
    if waiter.done():
        return
    if exception is not None:
        waiter.set_exception(exception)
    else:
        waiter.set_result(result)  # type: ignore[arg-type]
