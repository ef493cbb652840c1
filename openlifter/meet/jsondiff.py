"""The narrowest update keys that turn one JSON value into another.

The watch bridge (``openlifter-live-upload --watch``) sends only what changed between two
saves of a meet: a changed field is one key (``registration.entries[3].bodyweightKg``),
one attempt cell is one key. Where a key cannot say it (an object lost a field, an array
changed length, a name that is not a key segment) the whole parent goes as one value, the
way the redux binding sends ``registration.entries`` when entries are added or removed.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from openlifter.meet.jsonvalue import encoded_size_within, json_equal
from openlifter.meet.keys import Path, format_key, parse_key

_SEGMENT_NAME = re.compile(r"[A-Za-z0-9_$\-]+")


def changed_paths(old: Any, new: Any, path: Path) -> Iterator[tuple[Path, Any]]:
    """(path, new value) pairs that, applied in order with path-set, make ``old`` into ``new``.

    ``path`` must be non-empty (the root itself cannot be a key).
    """
    if json_equal(old, new):
        return
    if isinstance(old, dict) and isinstance(new, dict):
        if old.keys() - new.keys() or any(not _SEGMENT_NAME.fullmatch(k) for k in new):
            yield path, new  # a field was removed, or a name no key can spell: send the object
            return
        for name, value in new.items():
            if name in old:
                yield from changed_paths(old[name], value, (*path, name))
            else:
                yield (*path, name), value
        return
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for index, (before, after) in enumerate(zip(old, new)):
            yield from changed_paths(before, after, (*path, index))
        return
    yield path, new


def changed_updates(old: dict[str, Any] | None, new: dict[str, Any], slices: tuple[str, ...]) -> list[tuple[str, Any]]:
    """Update keys and values for the top-level ``slices`` that differ (all of them when there
    is no ``old``). A slice missing from ``new`` is left alone: nothing can delete it."""
    updates: list[tuple[str, Any]] = []
    for name in slices:
        if name not in new:
            continue
        if old is None or name not in old:
            updates.append((name, new[name]))
            continue
        updates.extend((format_key(path), value) for path, value in changed_paths(old[name], new[name], (name,)))
    return updates


def edits_within(key: str, value: Any, max_bytes: int, *, max_segments: int = 32, max_index: int = 100000) -> list[tuple[str, Any]]:
    """The updates that set ``value`` at ``key``, each value within ``max_bytes``: the value
    itself when it fits, else an empty object or array there and then each of its members
    the same way (a national meet's ``registration.entries`` goes as one update per
    lifter). A member whose name cannot be a key segment keeps its container whole. The
    same rule as ``editsWithin`` in static/js/live/keys.js."""
    edits: list[tuple[str, Any]] = []

    def visit(path: Path, node: Any) -> None:
        splittable = isinstance(node, (dict, list)) and len(path) < max_segments and not (isinstance(node, list) and len(node) > max_index + 1)
        if (
            not splittable
            or (isinstance(node, dict) and not all(isinstance(name, str) and _SEGMENT_NAME.fullmatch(name) for name in node))
            or encoded_size_within(node, max_bytes) is not None
        ):
            edits.append((format_key(path), node))
            return
        if isinstance(node, list):
            edits.append((format_key(path), []))
            for index, member in enumerate(node):
                visit((*path, index), member)
        else:
            edits.append((format_key(path), {}))
            for name, member in node.items():
                visit((*path, name), member)

    visit(parse_key(key, max_segments=max_segments, max_index=max_index), value)
    return edits
