"""JSON values as the server holds them: copy, compare, and reach into by path."""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

from openlifter.meet.budget import WorkBudget
from openlifter.meet.keys import Path

MISSING: Any = object()


def copy_json(value: Any) -> Any:
    """A deep copy of a parsed JSON value (faster than copy.deepcopy for plain data)."""
    if isinstance(value, dict):
        return {k: copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_json(v) for v in value]
    return value


def json_equal(a: Any, b: Any) -> bool:
    """Equality as JSON sees it: ``true`` is not ``1``, but ``1`` equals ``1.0``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    if type(a) is not type(b):
        return False
    return a == b


def json_equal_within(a: Any, b: Any, budget: WorkBudget) -> bool | None:
    """``json_equal`` spending one step of ``budget`` per node compared; None when the
    budget ran out before the answer was known."""
    pairs = [(a, b)]
    while pairs:
        x, y = pairs.pop()
        if not budget.spend():
            return None
        if isinstance(x, dict) and isinstance(y, dict):
            if x.keys() != y.keys():
                return False
            pairs.extend((x[k], y[k]) for k in x)
        elif isinstance(x, list) and isinstance(y, list):
            if len(x) != len(y):
                return False
            pairs.extend(zip(x, y))
        elif isinstance(x, (dict, list)) or isinstance(y, (dict, list)) or not json_equal(x, y):
            return False
    return True


def encoded_size(value: Any) -> int:
    """Bytes of ``value`` as compact UTF-8 JSON (how it is relayed and stored)."""
    if isinstance(value, str) and value.isascii() and value.isprintable() and '"' not in value and "\\" not in value:
        return len(value) + 2  # nothing to escape: the common case, without encoding
    # Scalars without the encoder: measuring a large value is mostly numbers, and each
    # json.dumps call costs microseconds (SPEC: a rejection's serverValue is measured).
    if value is None or value is True:
        return 4
    if value is False:
        return 5
    if type(value) is int:
        return len(int.__repr__(value))
    if type(value) is float and math.isfinite(value):
        return len(float.__repr__(value))  # what json.dumps writes for a finite float
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def encoded_size_within(value: Any, limit: int) -> int | None:
    """``encoded_size(value)`` if it is at most ``limit``, else None; the work is bounded
    by ``limit`` (plus one string), however large ``value`` is."""
    total = 0
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, (dict, list)):
            total += 2 + max(len(node) - 1, 0)  # brackets and commas
            if total > limit:
                return None
            if isinstance(node, dict):
                for key, child in node.items():
                    total += encoded_size(key) + 1
                    if total > limit:
                        return None
                    stack.append(child)
            else:
                stack.extend(node)
        else:
            total += encoded_size(node)
        if total > limit:
            return None
    return total


def get_in(value: Any, path: Path) -> Any:
    """The value at ``path`` inside ``value``, or MISSING."""
    for segment in path:
        if isinstance(segment, int):
            if not isinstance(value, list) or segment >= len(value):
                return MISSING
        elif not isinstance(value, dict) or segment not in value:
            return MISSING
        value = value[segment]
    return value


@dataclasses.dataclass(frozen=True)
class WriteEffect:
    """What ``set_in(root, path, ...)`` would do besides putting the value."""

    padding: int  # null elements it adds to arrays
    discarded: Any  # the value it replaces (MISSING if none)
    new_structure: int  # bytes it adds around the value: new keys, commas, brackets


def write_effect(root: dict[str, Any], path: Path) -> WriteEffect:
    """``set_in``'s effect, found in O(len(path)) whatever the size of ``root``."""
    node: Any = root
    padding = 0
    for position, segment in enumerate(path):
        if isinstance(segment, int):
            padding += max(0, segment - len(node))
            child = node[segment] if segment < len(node) else MISSING
        else:
            child = node.get(segment, MISSING)
        if position == len(path) - 1:
            return WriteEffect(padding, child, _slot_bytes(segment) if child is MISSING else 0)
        wanted = list if isinstance(path[position + 1], int) else dict
        if not isinstance(child, wanted):
            # set_in puts a fresh container here: every [n] below pads n nulls.
            rest = path[position + 1 :]
            padding += sum(s for s in rest if isinstance(s, int))
            added = sum(2 + _slot_bytes(s) for s in rest) + (_slot_bytes(segment) if child is MISSING else 0)
            return WriteEffect(padding, child, added)
        node = child
    return WriteEffect(padding, MISSING, 0)


def _slot_bytes(segment: Any) -> int:
    """A new member's bytes besides its value: ``"name":`` and a comma, or a comma."""
    return len(segment.encode("utf-8")) + 4 if isinstance(segment, str) else 1


def set_in(root: dict[str, Any], path: Path, value: Any) -> None:
    """Path-set: create intermediate objects and arrays as needed (an index beyond the end
    pads the array with null), replace a node of the wrong kind, and put a copy of
    ``value`` at the end, replacing the whole subtree that was there."""
    node: Any = root
    for segment, following in zip(path, path[1:]):
        child = _child(node, segment)
        wanted = list if isinstance(following, int) else dict
        if not isinstance(child, wanted):
            child = wanted()
            _put(node, segment, child)
        node = child
    _put(node, path[-1], copy_json(value))


def _child(node: Any, segment: Any) -> Any:
    if isinstance(segment, int):
        return node[segment] if segment < len(node) else None
    return node.get(segment)


def _put(node: Any, segment: Any, value: Any) -> None:
    if isinstance(segment, int):
        if segment >= len(node):
            node.extend([None] * (segment + 1 - len(node)))
    node[segment] = value
