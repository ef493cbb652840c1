"""RFC 6902 JSON Patch between two versions of a meet's views, sized to the change.

A general differ (``jsonpatch.make_patch``) compares whole documents and matches list
items by position: one lifter moving up the lifting order, or the next-lifters list moving
on by one, becomes a rewrite of every row after it. The views give us two things it does
not know, and this module uses both:

- identity: ``IncrementalViews`` keeps every unchanged part as the same object, so a
  subtree that ``is`` its old self is skipped without looking inside, and so are the items
  at both ends of a list that are their old selves (``_same_ends``): a ranking of 1,000
  rows of which three moved costs those three;
- keys: items of the views' lists carry a ``key`` (categories) or an ``id`` (platforms,
  lifters), so a list is patched with ``remove``/``move``/``add`` by key, and an item that
  only moved costs one ``move``.

Lists without keys (attempt cells, plates) are patched position by position. Scalars are
compared as JSON (``1`` and ``true`` differ). The tests apply the patches with the
``jsonpatch`` library to check them against RFC 6902.
"""

from __future__ import annotations

from operator import is_
from typing import Any, Hashable

Op = dict[str, Any]


def make_patch(old: Any, new: Any) -> list[Op]:
    """The operations that turn ``old`` into ``new`` (both JSON values)."""
    differ = Differ()
    differ.diff(old, new)
    return differ.ops


def _pointer(path: str, token: str | int) -> str:
    return f"{path}/{str(token).replace('~', '~0').replace('/', '~1')}"


def _same_ends(old: list[Any], new: list[Any]) -> tuple[int, int]:
    """How many items at the start and at the end of two lists are the same objects, found
    at C speed (``map(is_)``): a long list of which one row changed costs the row, not the
    list."""
    n = min(len(old), len(new))
    if n == 0:
        return 0, 0
    if old[0] is new[0]:
        flags = list(map(is_, old, new))
        head = flags.index(False) if False in flags else n
    else:
        head = 0
    if old[-1] is new[-1] and head < n:
        flags = list(map(is_, reversed(old), reversed(new)))[: n - head]
        tail = flags.index(False) if False in flags else n - head
    else:
        tail = 0
    return head, tail


class Differ:
    """Collects the patch between two values; ``visited`` counts the values it looked at
    (objects, lists, list items and scalars), the measure of its work that the tests hold
    to the size of a change, not of the views."""

    def __init__(self) -> None:
        self.ops: list[Op] = []
        self.visited = 0

    def diff(self, old: Any, new: Any, path: str = "") -> None:
        self.visited += 1
        if old is new:
            return
        ops = self.ops
        if isinstance(old, dict) and isinstance(new, dict):
            for key in old:
                if key not in new:
                    ops.append({"op": "remove", "path": _pointer(path, key)})
            for key, value in new.items():
                if key not in old:
                    ops.append({"op": "add", "path": _pointer(path, key), "value": value})
                elif old[key] is not value:
                    self.diff(old[key], value, _pointer(path, key))
        elif isinstance(old, list) and isinstance(new, list):
            head, tail = _same_ends(old, new)
            old_middle, new_middle = old[head: len(old) - tail], new[head: len(new) - tail]
            self.visited += len(old_middle) + len(new_middle)
            old_keys, new_keys = _keys(old_middle), _keys(new_middle)
            if old_keys is not None and new_keys is not None:
                self._diff_keyed(old_middle, new_middle, old_keys, new_keys, path, head)
            else:
                self._diff_by_position(old_middle, new_middle, path, head)
        elif type(old) is not type(new) or old != new:
            ops.append({"op": "replace", "path": path, "value": new})

    def _diff_by_position(self, old: list[Any], new: list[Any], path: str, offset: int) -> None:
        """``old`` and ``new`` stand at ``offset`` in their lists (the items before are the same)."""
        for i in range(min(len(old), len(new))):
            if old[i] is not new[i]:
                self.diff(old[i], new[i], _pointer(path, offset + i))
        for i in range(len(old) - 1, len(new) - 1, -1):
            self.ops.append({"op": "remove", "path": _pointer(path, offset + i)})
        for i in range(len(old), len(new)):
            self.ops.append({"op": "add", "path": _pointer(path, offset + i), "value": new[i]})

    def _diff_keyed(
        self, old: list[Any], new: list[Any], old_keys: list[Hashable], new_keys: list[Hashable], path: str, offset: int
    ) -> None:
        ops = self.ops
        by_key = dict(zip(old_keys, old))
        wanted = set(new_keys)
        held = list(old_keys)  # the list as the client holds it while applying the ops so far
        for i in range(len(held) - 1, -1, -1):
            if held[i] not in wanted:
                ops.append({"op": "remove", "path": _pointer(path, offset + i)})
                del held[i]
        for i, key in enumerate(new_keys):
            if i < len(held) and held[i] == key:
                if by_key[key] is not new[i]:
                    self.diff(by_key[key], new[i], _pointer(path, offset + i))
            elif key in by_key:
                j = held.index(key, i)
                ops.append({"op": "move", "from": _pointer(path, offset + j), "path": _pointer(path, offset + i)})
                held.insert(i, held.pop(j))
                self.diff(by_key[key], new[i], _pointer(path, offset + i))
            else:
                ops.append({"op": "add", "path": _pointer(path, offset + i), "value": new[i]})
                held.insert(i, key)


def _keys(items: list[Any]) -> list[Hashable] | None:
    """Each item's key, if every item is an object with a distinct ``key`` or ``id``."""
    keys: list[Hashable] = []
    for item in items:
        if not isinstance(item, dict):
            return None
        key = item.get("key", item.get("id"))
        if key is None or isinstance(key, (dict, list)):
            return None
        keys.append((type(key).__name__, key))
    return keys if len(set(keys)) == len(keys) else None
