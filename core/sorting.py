"""Sortable list columns: the `sort` and `dir` of a list's URL, read and written back (pure, no database).

A list names its sortable columns (`Column`: key, German header, what each direction means in words) and
its default order. `parse_sort` reads `?sort=opened&dir=asc`; an unknown column or direction falls back to
the default (or to the column's usual direction) and never becomes an error page. `SortLinks` gives the
template what the headers need: the link of each header (the list's filters kept, the page reset), the
`aria-sort` of the sorted one, and a German sentence for the caption ("sortiert nach Eröffnet, älteste
zuerst").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlencode

Direction = Literal["asc", "desc"]
QueryValue = str | Sequence[str]


@dataclass(frozen=True)
class Column:
    key: str  # in the URL: ?sort=<key>
    label: str  # the header, as the table shows it
    ascending: str  # what ascending means, in words: "älteste zuerst", "A bis Z"
    descending: str
    first: Direction = "asc"  # the direction a first click on the header sorts in


@dataclass(frozen=True)
class Sort:
    key: str
    direction: Direction

    @property
    def descending(self) -> bool:
        return self.direction == "desc"


def parse_sort(raw_sort: str | None, raw_dir: str | None, columns: Sequence[Column], default: Sort) -> Sort:
    """The order a list's URL asks for. `sort=-opened` means descending too; anything unknown is the default."""
    by_key = {column.key: column for column in columns}
    key = (raw_sort or "").strip()
    direction = (raw_dir or "").strip().lower()
    if key.startswith("-"):
        key, direction = key[1:], direction or "desc"
    column = by_key.get(key)
    if column is None:
        return default
    if direction not in ("asc", "desc"):
        direction = default.direction if key == default.key else column.first
    return Sort(key, "desc" if direction == "desc" else "asc")


def describe(sort: Sort, columns: Sequence[Column]) -> str:
    """`sortiert nach Eröffnet, älteste zuerst`."""
    column = next(column for column in columns if column.key == sort.key)
    return f"sortiert nach {column.label}, {column.descending if sort.descending else column.ascending}"


@dataclass(frozen=True)
class SortLinks:
    """What a table's headers need to sort it by a link: href, aria-sort, indicator and caption."""

    path: str  # "/cases"
    columns: Sequence[Column]
    current: Sort
    default: Sort
    # The list's filters as they are in the URL (without page or cursor): every header link keeps them.
    query: Mapping[str, QueryValue] = field(default_factory=dict)

    def column(self, key: str) -> Column:
        return next(column for column in self.columns if column.key == key)

    def params(self) -> dict[str, str]:
        """The sort's URL parameters for links that keep the order (next page, export); none for the default."""
        if self.current == self.default:
            return {}
        return {"sort": self.current.key, "dir": self.current.direction}

    def next_direction(self, key: str) -> Direction:
        """A click on the sorted column turns its order round; on another one it sorts that column's usual way."""
        if key == self.current.key:
            return "asc" if self.current.descending else "desc"
        return self.column(key).first

    def href(self, key: str) -> str:
        query = {name: value for name, value in self.query.items() if name not in ("sort", "dir") and value}
        query.update(sort=key, dir=self.next_direction(key))
        return f"{self.path}?{urlencode(query, doseq=True)}"

    def aria_sort(self, key: str) -> str | None:
        if key != self.current.key:
            return None
        return "descending" if self.current.descending else "ascending"

    def action(self, key: str) -> str:
        """What the header link does, for screen readers: `sortieren: neueste zuerst`."""
        column = self.column(key)
        return "sortieren: " + (column.descending if self.next_direction(key) == "desc" else column.ascending)

    @property
    def caption(self) -> str:
        return describe(self.current, self.columns)
