"""The tags of a bot's current strategy's resting orders, kept as orders open and close.

A grid rests hundreds of orders and a fill changes one or two of them: rebuilding a set of
every tag at each fill cost more than the rest of the fill. `LiveTags` counts each tag's
orders (a tag may rest more than once, a `close` sell and a stop's) and is a read-only
`collections.abc.Set` view for the strategies: `in`, iteration, `len`, `-`, `&`, `|` work as
on a frozenset, and a set operation returns a frozenset.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Set


class LiveTags(Set[str]):
    """A live view of tag -> how many orders rest with it (only tags with at least one)."""

    __slots__ = ("_counts",)

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}

    def add(self, tag: str) -> None:
        counts = self._counts
        counts[tag] = counts.get(tag, 0) + 1

    def remove(self, tag: str) -> None:
        """One order with `tag` is no longer live (a tag not held is ignored)."""
        counts = self._counts
        left = counts.get(tag, 0) - 1
        if left > 0:
            counts[tag] = left
        else:
            counts.pop(tag, None)

    def clear(self) -> None:
        self._counts.clear()

    def __contains__(self, tag: object) -> bool:
        return tag in self._counts

    def __iter__(self) -> Iterator[str]:
        return iter(self._counts)  # a strategy reads it while it decides: nothing changes

    def __len__(self) -> int:
        return len(self._counts)

    def __repr__(self) -> str:
        return f"LiveTags({sorted(self._counts)!r})"

    @classmethod
    def _from_iterable(cls, it: Iterable[str]) -> frozenset[str]:  # type: ignore[override]
        return frozenset(it)
