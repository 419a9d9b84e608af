"""Group commit: the rows of requests arriving together are committed together, each learns its own outcome."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from casework.cases.models import YearlyCounter
from core.db import make_sessionmaker
from core.group_commit import GroupCommit, Overdue


class Recorder:
    """Writes one counter row per item (scope = the item); the first batch waits until released."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.release = threading.Event()
        self.started = threading.Event()

    def work(self, db: Session, items: Sequence[str]) -> list[str]:
        self.batches.append(list(items))
        if len(self.batches) == 1:
            self.started.set()
            assert self.release.wait(10)
        for item in items:
            if item == "broken":
                raise OperationalError("INSERT", None, Exception("database is gone"))
            db.add(YearlyCounter(scope=item, year=2026, last_value=1))
            db.flush()
        return [f"stored {item}" for item in items]


def _scopes(engine: Engine) -> list[str]:
    with Session(engine) as db:
        return sorted(db.scalars(select(YearlyCounter.scope)))


def test_requests_waiting_together_are_committed_in_one_transaction_each_with_its_own_result(engine: Engine) -> None:
    recorder = Recorder()
    writer = GroupCommit(make_sessionmaker(engine), recorder.work, name="test-writer")
    first = writer.submit("first")
    assert recorder.started.wait(10)
    waiting = [writer.submit(f"call-{n}") for n in range(5)]
    recorder.release.set()
    assert first.result(10) == "stored first"
    assert [future.result(10) for future in waiting] == [f"stored call-{n}" for n in range(5)]
    assert recorder.batches == [["first"], [f"call-{n}" for n in range(5)]]
    assert _scopes(engine) == sorted(["first", *(f"call-{n}" for n in range(5))])


def test_a_colliding_row_fails_only_its_own_request(engine: Engine) -> None:
    recorder = Recorder()
    writer = GroupCommit(make_sessionmaker(engine), recorder.work, name="test-writer")
    first = writer.submit("first")
    assert recorder.started.wait(10)
    others = [writer.submit("a"), writer.submit("first"), writer.submit("b")]  # "first" exists by then
    recorder.release.set()
    assert first.result(10) == "stored first"
    assert others[0].result(10) == "stored a"
    with pytest.raises(IntegrityError):
        others[1].result(10)
    assert others[2].result(10) == "stored b"
    assert recorder.batches[1] == ["a", "first", "b"], "written together first, then each on its own"
    assert _scopes(engine) == ["a", "b", "first"]


def test_a_failed_transaction_fails_every_request_of_its_batch_and_writes_nothing(engine: Engine) -> None:
    recorder = Recorder()
    writer = GroupCommit(make_sessionmaker(engine), recorder.work, name="test-writer")
    first = writer.submit("first")
    assert recorder.started.wait(10)
    batch = [writer.submit("a"), writer.submit("broken"), writer.submit("b")]
    recorder.release.set()
    first.result(10)
    for future in batch:
        with pytest.raises(OperationalError):
            future.result(10)
    assert _scopes(engine) == ["first"]
    assert writer.submit("later").result(10) == "stored later", "the writer goes on after a failed batch"


def test_a_request_cancelled_while_waiting_neither_stops_the_writer_nor_loses_its_row(engine: Engine) -> None:
    recorder = Recorder()
    writer = GroupCommit(make_sessionmaker(engine), recorder.work, name="test-writer")
    first = writer.submit("first")
    assert recorder.started.wait(10)
    gone = writer.submit("gone")
    assert gone.cancel(), "Twilio hung up: the waiting request was cancelled"
    recorder.release.set()
    assert first.result(10) == "stored first"
    assert writer.submit("next").result(10) == "stored next", "the writer goes on"
    assert _scopes(engine) == ["first", "gone", "next"]


def test_a_writer_told_to_retry_alone_on_any_error_fails_only_the_broken_request(engine: Engine) -> None:
    """The SMS writer's way (`alone_on=(Exception,)`): one message's lock timeout must not fail the others."""
    recorder = Recorder()
    writer = GroupCommit(make_sessionmaker(engine), recorder.work, name="test-writer", alone_on=(Exception,))
    first = writer.submit("first")
    assert recorder.started.wait(10)
    batch = [writer.submit("a"), writer.submit("broken"), writer.submit("b")]
    recorder.release.set()
    assert first.result(10) == "stored first"
    assert batch[0].result(10) == "stored a"
    with pytest.raises(OperationalError):
        batch[1].result(10)
    assert batch[2].result(10) == "stored b"
    assert recorder.batches[1:] == [["a", "broken", "b"], ["a"], ["broken"], ["b"]]
    assert _scopes(engine) == ["a", "b", "first"]


def test_a_request_that_waited_longer_than_the_patience_is_not_written(engine: Engine) -> None:
    """A batch that holds the writer far too long (a lock): the requests queued meanwhile are told `Overdue` and
    nothing of them is written; a request arriving after it is written as usual."""
    clock = {"now": 100.0}
    recorder = Recorder()
    writer = GroupCommit(
        make_sessionmaker(engine), recorder.work, name="test-writer", patience=4.0, clock=lambda: clock["now"]
    )
    first = writer.submit("first")
    assert recorder.started.wait(10)
    waiting = writer.submit("waited")
    clock["now"] += 4.5
    late_but_fresh = writer.submit("fresh")
    recorder.release.set()
    assert first.result(10) == "stored first"
    with pytest.raises(Overdue):
        waiting.result(10)
    assert late_but_fresh.result(10) == "stored fresh"
    assert _scopes(engine) == ["first", "fresh"]


def test_a_batch_that_failed_after_the_patience_is_not_tried_again_one_by_one(engine: Engine) -> None:
    """The batch waited out a lock and failed: trying each of its requests alone would wait that long again for
    each, while Twilio gives up. Each is told it waited too long instead."""
    clock = {"now": 100.0}
    recorder = Recorder()

    def work(db: Session, items: Sequence[str]) -> list[str]:
        if len(recorder.batches) == 1:
            clock["now"] += 10.0  # the database was locked for 10 s
            recorder.batches.append(list(items))
            raise OperationalError("INSERT", None, Exception("database is locked"))
        return recorder.work(db, items)

    writer = GroupCommit(
        make_sessionmaker(engine), work, name="test-writer", alone_on=(Exception,), patience=4.0,
        clock=lambda: clock["now"],
    )  # fmt: skip
    first = writer.submit("first")
    assert recorder.started.wait(10)
    batch = [writer.submit("a"), writer.submit("b")]
    recorder.release.set()
    assert first.result(10) == "stored first"
    for future in batch:
        with pytest.raises(Overdue):
            future.result(10)
    assert recorder.batches == [["first"], ["a", "b"]], "not tried again one by one"
    assert _scopes(engine) == ["first"]


# --- `write`: the coroutine's way, as the webhooks wait (on the event loop, no thread held) ----------------------


def _run(coroutine: Any) -> Any:
    """Run a coroutine to its end on a loop in a thread of its own (the browser tests keep a loop in this one)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_coroutines_waiting_together_get_their_own_outcomes_from_one_batch(engine: Engine) -> None:
    recorder = Recorder()
    writer = GroupCommit(make_sessionmaker(engine), recorder.work, name="test-writer")
    first = writer.submit("first")
    assert recorder.started.wait(10)

    async def callers() -> list[object]:
        waiting = [asyncio.create_task(writer.write(item)) for item in ("a", "first", "b")]
        await asyncio.sleep(0)  # each has queued its item
        recorder.release.set()
        return await asyncio.gather(*waiting, return_exceptions=True)

    outcomes = _run(callers())
    assert first.result(10) == "stored first"
    assert outcomes[0] == "stored a" and outcomes[2] == "stored b"
    assert isinstance(outcomes[1], IntegrityError), "only the colliding request fails"
    assert recorder.batches[1] == ["a", "first", "b"]
    assert _scopes(engine) == ["a", "b", "first"]


def test_a_coroutine_cancelled_while_waiting_still_has_its_row_written(engine: Engine) -> None:
    recorder = Recorder()
    writer = GroupCommit(make_sessionmaker(engine), recorder.work, name="test-writer")
    writer.submit("first")
    assert recorder.started.wait(10)

    async def caller_hangs_up() -> object:
        gone = asyncio.create_task(writer.write("gone"))
        await asyncio.sleep(0)
        gone.cancel()
        with pytest.raises(asyncio.CancelledError):
            await gone
        recorder.release.set()
        return await writer.write("next")

    assert _run(caller_hangs_up()) == "stored next", "the writer goes on"
    assert _scopes(engine) == ["first", "gone", "next"]


def test_a_loop_that_ended_before_its_outcome_came_does_not_stop_the_writer(engine: Engine) -> None:
    recorder = Recorder()
    writer = GroupCommit(make_sessionmaker(engine), recorder.work, name="test-writer")
    first = writer.submit("first")
    assert recorder.started.wait(10)

    async def server_stops() -> None:
        asyncio.create_task(writer.write("left"))  # noqa: RUF006 - still waiting when the loop ends
        await asyncio.sleep(0)

    _run(server_stops())  # the loop is closed now
    recorder.release.set()
    assert first.result(10) == "stored first"
    assert writer.submit("next").result(10) == "stored next"
    assert _scopes(engine) == ["first", "left", "next"]
