"""JSON values as the server holds them: copy, compare, and reach into by path."""

from __future__ import annotations

from typing import Any

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
