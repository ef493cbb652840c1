"""The conflict rule of SPEC section 2, as one pure function.

An update from location L (priority P) made after server seq ``after`` conflicts with
every update the server accepted after ``after`` from another location to an
overlapping key with a different value (its rivals). It is accepted when it has no
rivals or P is strictly higher than every rival's priority; otherwise it is rejected.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from openlifter.meet.budget import WorkBudget
from openlifter.meet.history import KeyHistory
from openlifter.meet.jsonvalue import MISSING, get_in, json_equal_within
from openlifter.meet.keys import Path
from openlifter.storage.store import LogEntry


@dataclasses.dataclass(frozen=True)
class Verdict:
    accepted: bool
    rivals: tuple[LogEntry, ...]

    @property
    def overrules(self) -> bool:
        return self.accepted and bool(self.rivals)


def values_differ(path: Path, value: Any, rival_path: Path, rival_value: Any, budget: WorkBudget) -> bool:
    """Compare two overlapping updates at the narrower of their two keys: a whole-object
    write that holds the same value where the other update wrote is not a difference.
    When the budget runs out first, they count as different (the safe answer)."""
    if len(rival_path) <= len(path):
        mine, theirs = value, get_in(rival_value, path[len(rival_path) :])
    else:
        mine, theirs = get_in(value, rival_path[len(path) :]), rival_value
    if mine is MISSING or theirs is MISSING:
        return True
    return json_equal_within(mine, theirs, budget) is not True


def judge_update(
    history: KeyHistory, path: Path, value: Any, location: str, priority: int, after_seq: int, budget: WorkBudget
) -> Verdict:
    """Decide with at most ``budget`` steps of work, whatever the size of the subtree.
    Rivals are looked at newest first; if the budget runs out before every overlapping
    update was compared, every other location that wrote an overlapping key since
    ``after_seq`` counts as a rival (a high-priority update still overrules them; an
    update that cannot is rejected, never accepted over a rival nobody compared)."""
    rivals: list[LogEntry] = []
    for rival_path, entry in history.overlapping_since(path, after_seq, budget):
        if entry.location == location or not values_differ(path, value, rival_path, entry.value, budget):
            continue
        rivals.append(entry)
        if entry.priority >= priority:
            return Verdict(False, tuple(rivals))  # no later rival can change this
    if budget.exhausted:
        latest = history.latest_by_location_since(path, after_seq)
        rivals.extend(entry for loc, entry in latest.items() if loc != location)
    if not rivals or priority > max(rival.priority for rival in rivals):
        return Verdict(True, tuple(rivals))
    return Verdict(False, tuple(rivals))
