"""The one list of what a case owns: every table with a `case_id`, declared once by the floor that owns it.

A floor declares its case-owned tables next to its models (`CASE_OWNED = (CaseOwned(...), ...)`): how a row
moves when two cases are merged, whether it counts as something entered into the case, and which of its
columns hold personal data (for the retention purge). Case work merges cases, asks "is this new case
untouched" and "does this case have content" by going through that list, never through a list of its own.

Case work stands below billing (and the floors to come), so it cannot import their declarations: the app
floor assembles the list (`fluxx/owned.py`) and hands it here at start-up (`fluxx.wiring.connect`, called by
the app factory, the CLI and the tests). Case work reads it with `tables()`; before that, `tables()` fails
loudly rather than answering from an empty list (every case would look untouched).
`tests/casework/test_case_owned.py` fails when a mapped table with a `case_id` is not declared.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any


class OnMerge(enum.StrEnum):
    MOVE = "move"  # the row goes with the case into the case it is merged into
    KEEP = "keep"  # the row stays with the merged case (it records what happened where)


class Counts(enum.StrEnum):
    """What a row of the table says about the case (`has_content`, `is_untouched`)."""

    CONTENT = "content"  # something entered into the case: the case has content and is not untouched
    ACTIVITY = "activity"  # something happened in the case (an SMS, a call-back attempt): not untouched, no content
    NOTHING = "nothing"  # bookkeeping every case has (its status history, the audit trail): neither


@dataclass(frozen=True)
class CaseOwned:
    """One table a case owns. `model` is a mapped class with a `case_id` column."""

    model: Any
    on_merge: OnMerge
    counts: Counts
    anonymise: tuple[str, ...] = ()  # columns holding personal data, blanked by the retention purge
    content_unless: str | None = None  # a row with this column set is no content (a call marked "kein Fall")
    # Rows only derived from the case's personal data (its name's words): the purge deletes them instead.
    anonymise_deletes: bool = False

    @property
    def table_name(self) -> str:
        return str(self.model.__table__.name)


class CaseOwnedTables:
    """Every case-owned table, each declared once."""

    def __init__(self, declarations: Iterable[CaseOwned]) -> None:
        self.declarations = tuple(declarations)
        seen: set[str] = set()
        for declared in self.declarations:
            if declared.table_name in seen:
                raise ValueError(f"case-owned table declared twice: {declared.table_name}")
            seen.add(declared.table_name)

    def __iter__(self) -> Iterator[CaseOwned]:
        return iter(self.declarations)

    def __len__(self) -> int:
        return len(self.declarations)

    def for_merge(self) -> tuple[CaseOwned, ...]:
        """The tables whose rows move into the case a case is merged into."""
        return tuple(d for d in self.declarations if d.on_merge == OnMerge.MOVE)

    def content(self) -> tuple[CaseOwned, ...]:
        """The tables whose rows are something entered into the case."""
        return tuple(d for d in self.declarations if d.counts == Counts.CONTENT)

    def touching(self) -> tuple[CaseOwned, ...]:
        """The tables whose rows mean the case is no longer untouched (content and activity)."""
        return tuple(d for d in self.declarations if d.counts != Counts.NOTHING)

    def find(self, model: Any) -> CaseOwned:
        for declared in self.declarations:
            if declared.model is model:
                return declared
        raise KeyError(f"not a case-owned table: {model!r}")

    def unregistered(self, tables: Iterable[Any]) -> list[str]:
        """The names of `tables` (SQLAlchemy tables) that have a `case_id` column and are not declared."""
        declared = {d.table_name for d in self.declarations}
        return sorted(t.name for t in tables if "case_id" in t.c and t.name not in declared)


_connected: CaseOwnedTables | None = None


def connect(tables: CaseOwnedTables) -> None:
    """Hand the assembled list to the floors below the app (called once by `fluxx.wiring`)."""
    global _connected
    _connected = tables


def tables() -> CaseOwnedTables:
    if _connected is None:
        raise RuntimeError("The case-owned tables are not connected: call fluxx.wiring.connect() (the app does).")
    return _connected
