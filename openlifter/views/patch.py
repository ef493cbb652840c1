"""RFC 6902 JSON Patch between two versions of a meet's views, sized to the change.

A general differ (``jsonpatch.make_patch``) compares whole documents and matches list
items by position: one lifter moving up the lifting order, or the next-lifters list moving
on by one, becomes a rewrite of every row after it. The views give us two things it does
not know, and this module uses both:

- identity: ``IncrementalViews`` keeps every unchanged part as the same object, so a
  subtree that ``is`` its old self is skipped without looking inside;
- keys: items of the views' lists carry a ``key`` (categories) or an ``id`` (platforms,
  lifters), so a list is patched with ``remove``/``move``/``add`` by key, and an item that
  only moved costs one ``move``.

Lists without keys (attempt cells, plates) are patched position by position. Scalars are
compared as JSON (``1`` and ``true`` differ). The tests apply the patches with the
``jsonpatch`` library to check them against RFC 6902.
"""

from __future__ import annotations

from typing import Any, Hashable

Op = dict[str, Any]


def make_patch(old: Any, new: Any) -> list[Op]:
    """The operations that turn ``old`` into ``new`` (both JSON values)."""
    ops: list[Op] = []
    _diff(old, new, "", ops)
    return ops


def _pointer(path: str, token: str | int) -> str:
    return f"{path}/{str(token).replace('~', '~0').replace('/', '~1')}"


def _diff(old: Any, new: Any, path: str, ops: list[Op]) -> None:
    if old is new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in old:
            if key not in new:
                ops.append({"op": "remove", "path": _pointer(path, key)})
        for key, value in new.items():
            if key not in old:
                ops.append({"op": "add", "path": _pointer(path, key), "value": value})
            elif old[key] is not value:
                _diff(old[key], value, _pointer(path, key), ops)
    elif isinstance(old, list) and isinstance(new, list):
        old_keys, new_keys = _keys(old), _keys(new)
        if old_keys is not None and new_keys is not None:
            _diff_keyed(old, new, old_keys, new_keys, path, ops)
        else:
            _diff_by_position(old, new, path, ops)
    elif type(old) is not type(new) or old != new:
        ops.append({"op": "replace", "path": path, "value": new})


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


def _diff_by_position(old: list[Any], new: list[Any], path: str, ops: list[Op]) -> None:
    for i in range(min(len(old), len(new))):
        if old[i] is not new[i]:
            _diff(old[i], new[i], _pointer(path, i), ops)
    for i in range(len(old) - 1, len(new) - 1, -1):
        ops.append({"op": "remove", "path": _pointer(path, i)})
    for i in range(len(old), len(new)):
        ops.append({"op": "add", "path": _pointer(path, i), "value": new[i]})


def _diff_keyed(old: list[Any], new: list[Any], old_keys: list[Hashable], new_keys: list[Hashable], path: str, ops: list[Op]) -> None:
    by_key = dict(zip(old_keys, old))
    wanted = set(new_keys)
    held = list(old_keys)  # the list as the client holds it while applying the ops so far
    for i in range(len(held) - 1, -1, -1):
        if held[i] not in wanted:
            ops.append({"op": "remove", "path": _pointer(path, i)})
            del held[i]
    for i, key in enumerate(new_keys):
        if i < len(held) and held[i] == key:
            if by_key[key] is not new[i]:
                _diff(by_key[key], new[i], _pointer(path, i), ops)
        elif key in by_key:
            j = held.index(key, i)
            ops.append({"op": "move", "from": _pointer(path, j), "path": _pointer(path, i)})
            held.insert(i, held.pop(j))
            _diff(by_key[key], new[i], _pointer(path, i), ops)
        else:
            ops.append({"op": "add", "path": _pointer(path, i), "value": new[i]})
            held.insert(i, key)
