"""The conflict rule of SPEC section 2, as one pure function.

An update from location L (priority P) made after server seq ``after`` conflicts with
every update the server accepted after ``after`` from another location to an
overlapping key with a different value (its rivals). It is accepted when it has no
rivals or P is strictly higher than every rival's priority; otherwise it is rejected.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from openlifter.meet.history import KeyHistory
from openlifter.meet.jsonvalue import MISSING, get_in, json_equal
from openlifter.meet.keys import Path
from openlifter.storage.meetfiles import LogEntry


@dataclasses.dataclass(frozen=True)
class Verdict:
    accepted: bool
    rivals: tuple[LogEntry, ...]

    @property
    def overrules(self) -> bool:
        return self.accepted and bool(self.rivals)


def values_differ(path: Path, value: Any, rival_path: Path, rival_value: Any) -> bool:
    """Compare two overlapping updates at the narrower of their two keys: a whole-object
    write that holds the same value where the other update wrote is not a difference."""
    if len(rival_path) <= len(path):
        rival_there = get_in(rival_value, path[len(rival_path) :])
        return rival_there is MISSING or not json_equal(rival_there, value)
    mine_there = get_in(value, rival_path[len(path) :])
    return mine_there is MISSING or not json_equal(mine_there, rival_value)


def judge_update(
    history: KeyHistory, path: Path, value: Any, location: str, priority: int, after_seq: int
) -> Verdict:
    rivals = tuple(
        entry
        for rival_path, entry in history.overlapping_since(path, after_seq)
        if entry.location != location and values_differ(path, value, rival_path, entry.value)
    )
    if not rivals or priority > max(rival.priority for rival in rivals):
        return Verdict(True, rivals)
    return Verdict(False, rivals)
