"""Per-key history of accepted updates, as a trie of key segments.

Each node keeps the updates made exactly at its key (in seq order), the highest seq
anywhere in its subtree, and per location the latest update at the key itself and
anywhere below it. Its children are ordered by when they were last written. So finding
the updates that overlap a key after some seq visits the key's ancestors and then the
subtree newest first, spending a work budget: when the budget runs out, the per-location
aggregates still tell in O(depth x locations) which locations wrote there since, which
is all the conflict rule needs to decide safely.
"""

from __future__ import annotations

import bisect
from typing import Iterator, cast

from openlifter.meet.budget import WorkBudget
from openlifter.meet.keys import Path, Segment
from openlifter.storage.store import LogEntry


class _Node:
    __slots__ = ("children", "updates", "seqs", "max_seq", "own_latest", "sub_latest")

    def __init__(self) -> None:
        self.children: dict[object, _Node] = {}  # least recently written first
        self.updates: list[LogEntry] = []
        self.seqs: list[int] = []
        self.max_seq = 0
        self.own_latest: dict[str, LogEntry] = {}  # location -> its latest update at this key
        self.sub_latest: dict[str, LogEntry] = {}  # location -> its latest update in this subtree

    def touch(self, entry: LogEntry) -> None:
        self.max_seq = entry.server_seq
        self.sub_latest[entry.location] = entry


class KeyHistory:
    def __init__(self) -> None:
        self._root = _Node()

    def add(self, path: Path, entry: LogEntry) -> None:
        """Record an accepted update; entries arrive in increasing seq order."""
        node = self._root
        node.touch(entry)
        for segment in path:
            slot = _slot(segment)
            child = node.children.pop(slot, None)
            if child is None:
                child = _Node()
            node.children[slot] = child  # now the most recently written child
            node = child
            node.touch(entry)
        node.updates.append(entry)
        node.seqs.append(entry.server_seq)
        node.own_latest[entry.location] = entry

    def overlapping_since(self, path: Path, after_seq: int, budget: WorkBudget) -> Iterator[tuple[Path, LogEntry]]:
        """Updates with seq > after_seq at a key that is a prefix of ``path`` or has
        ``path`` as a prefix, with the key each was made at: ancestors first, then the
        subtree newest first. Stops early once ``budget`` is used up."""
        node = self._root
        for depth, segment in enumerate(path):
            child = node.children.get(_slot(segment))
            if child is None or child.max_seq <= after_seq or not budget.spend():
                return
            node = child
            if depth < len(path) - 1:
                for entry in _newest_first(node, after_seq):
                    if not budget.spend():
                        return
                    yield path[: depth + 1], entry
        yield from _subtree_since(node, path, after_seq, budget)

    def latest_by_location_since(self, path: Path, after_seq: int) -> dict[str, LogEntry]:
        """Per location, its latest update after ``after_seq`` to a key overlapping
        ``path``; O(len(path) x locations) whatever the size of the subtree."""
        latest: dict[str, LogEntry] = {}
        node = self._root
        for depth, segment in enumerate(path):
            child = node.children.get(_slot(segment))
            if child is None:
                return latest
            node = child
            here = node.sub_latest if depth == len(path) - 1 else node.own_latest
            for location, entry in here.items():
                known = latest.get(location)
                if entry.server_seq > after_seq and (known is None or entry.server_seq > known.server_seq):
                    latest[location] = entry
        return latest

    def latest_overlapping_seq(self, path: Path) -> int:
        """Seq of the latest accepted update to a key overlapping ``path`` (0 if none)."""
        latest = 0
        node = self._root
        for segment in path:
            child = node.children.get(_slot(segment))
            if child is None:
                return latest
            node = child
            if node.seqs:
                latest = max(latest, node.seqs[-1])
        return max(latest, node.max_seq)


def _slot(segment: object) -> object:
    # Keep the name "3" and the index [3] apart in one children dict.
    return ("i", segment) if isinstance(segment, int) else segment


def _newest_first(node: _Node, after_seq: int) -> Iterator[LogEntry]:
    first = bisect.bisect_right(node.seqs, after_seq)
    for index in range(len(node.updates) - 1, first - 1, -1):
        yield node.updates[index]


def _subtree_since(node: _Node, path: Path, after_seq: int, budget: WorkBudget) -> Iterator[tuple[Path, LogEntry]]:
    """Depth first, each node's children newest first, lazily: the scan of a node's
    children ends at the first one not written since ``after_seq``."""
    for entry in _newest_first(node, after_seq):
        if not budget.spend():
            return
        yield path, entry
    stack = [(iter(reversed(node.children.items())), path)]
    while stack:
        children, parent_path = stack[-1]
        slot, child = next(children, (None, None))
        if child is None or child.max_seq <= after_seq:
            stack.pop()
            continue
        if not budget.spend():
            return
        child_path: Path = (*parent_path, cast(Segment, slot[1] if isinstance(slot, tuple) else slot))  # see _slot
        for entry in _newest_first(child, after_seq):
            if not budget.spend():
                return
            yield child_path, entry
        stack.append((iter(reversed(child.children.items())), child_path))
