"""Per-key history of accepted updates, as a trie of key segments.

Each node keeps the updates made exactly at its key (in seq order) and the highest seq
anywhere in its subtree, so finding the updates that overlap a key after some seq visits
only the key's ancestors and the recently touched part of its subtree, never the whole log.
"""

from __future__ import annotations

import bisect
from typing import Iterator

from openlifter.meet.keys import Path
from openlifter.storage.meetfiles import LogEntry


class _Node:
    __slots__ = ("children", "updates", "seqs", "max_seq")

    def __init__(self) -> None:
        self.children: dict[object, _Node] = {}
        self.updates: list[LogEntry] = []
        self.seqs: list[int] = []
        self.max_seq = 0

    def since(self, after_seq: int) -> list[LogEntry]:
        return self.updates[bisect.bisect_right(self.seqs, after_seq) :]


class KeyHistory:
    def __init__(self) -> None:
        self._root = _Node()

    def add(self, path: Path, entry: LogEntry) -> None:
        """Record an accepted update; entries arrive in increasing seq order."""
        node = self._root
        node.max_seq = entry.server_seq
        for segment in path:
            node = node.children.setdefault(_slot(segment), _Node())
            node.max_seq = entry.server_seq
        node.updates.append(entry)
        node.seqs.append(entry.server_seq)

    def overlapping_since(self, path: Path, after_seq: int) -> Iterator[tuple[Path, LogEntry]]:
        """Updates with seq > after_seq at a key that is a prefix of ``path`` or has
        ``path`` as a prefix, with the key each was made at."""
        node = self._root
        for depth, segment in enumerate(path):
            node = node.children.get(_slot(segment))
            if node is None or node.max_seq <= after_seq:
                return
            if depth < len(path) - 1:
                for entry in node.since(after_seq):
                    yield path[: depth + 1], entry
        yield from _subtree_since(node, path, after_seq)

    def latest_overlapping_seq(self, path: Path) -> int:
        """Seq of the latest accepted update to a key overlapping ``path`` (0 if none)."""
        latest = 0
        node = self._root
        for segment in path:
            node = node.children.get(_slot(segment))
            if node is None:
                return latest
            if node.seqs:
                latest = max(latest, node.seqs[-1])
        return max(latest, node.max_seq)


def _slot(segment: object) -> object:
    # Keep the name "3" and the index [3] apart in one children dict.
    return ("i", segment) if isinstance(segment, int) else segment


def _subtree_since(node: _Node, path: Path, after_seq: int) -> Iterator[tuple[Path, LogEntry]]:
    stack = [(node, path)]
    while stack:
        current, current_path = stack.pop()
        for entry in current.since(after_seq):
            yield current_path, entry
        for slot, child in current.children.items():
            if child.max_seq > after_seq:
                segment = slot[1] if isinstance(slot, tuple) else slot
                stack.append((child, current_path + (segment,)))
