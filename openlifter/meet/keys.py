"""Update keys: dot-separated names with ``[n]`` indices, one segment each.

``registration.entries[3].name`` is ``("registration", "entries", 3, "name")``. Only the
canonical spelling is accepted (no empty names, no leading zeros), so two keys name the
same place exactly when their strings are equal.
"""

from __future__ import annotations

import re

Segment = str | int
Path = tuple[Segment, ...]

_NAME = r"[A-Za-z0-9_$\-]+"
_INDEX = r"\[(0|[1-9][0-9]*)\]"
_KEY = re.compile(rf"^{_NAME}(?:{_INDEX})*(?:\.{_NAME}(?:{_INDEX})*)*$")
_TOKEN = re.compile(rf"({_NAME})|{_INDEX}")


class InvalidKey(ValueError):
    """The key is not a valid path; the message says why."""


def parse_key(key: str, *, max_length: int = 512, max_index: int = 100000, max_segments: int = 32) -> Path:
    if not key:
        raise InvalidKey("is empty")
    if len(key) > max_length:
        raise InvalidKey(f"is longer than {max_length} characters")
    if not _KEY.match(key):
        raise InvalidKey("is not a path of names and [n] indices, e.g. registration.entries[3].name")
    path: list[Segment] = []
    for name, index in _TOKEN.findall(key):
        if name:
            path.append(name)
        else:
            number = int(index)
            if number > max_index:
                raise InvalidKey(f"has index {number}, above the limit {max_index}")
            path.append(number)
        if len(path) > max_segments:
            raise InvalidKey(f"has more than {max_segments} segments (max_key_segments)")
    return tuple(path)


def parse_accepted_key(key: str) -> Path:
    """Parse a key that was validated when it was first accepted (a stored log line, a
    relayed update): the grammar still applies, the configured limits do not."""
    return parse_key(key, max_length=len(key), max_index=1 << 62, max_segments=len(key))


def format_key(path: Path) -> str:
    text = ""
    for segment in path:
        if isinstance(segment, int):
            text += f"[{segment}]"
        else:
            text += ("." if text else "") + segment
    return text


def overlaps(a: Path, b: Path) -> bool:
    """Two keys touch the same object when one is a segment-wise prefix of the other."""
    shorter = min(len(a), len(b))
    return a[:shorter] == b[:shorter]
