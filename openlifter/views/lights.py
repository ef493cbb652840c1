"""Referee lights of a platform, shared under ``live.decisions.d<day>p<platform>``.

Each referee writes only their own position, ``live.decisions.d1p1.left`` (``head``,
``right``), so three phones never touch the same key: ``{entryId, lift, attempt, decision,
card}`` with ``decision`` ``"good"`` or ``"bad"`` and, when the meet uses the IPF cards,
``card`` ``"red"``, ``"blue"`` or ``"yellow"`` for a no lift. As on a real light system, the
lights show only when all three have decided on the same attempt; until then a page shows
who has decided, not what.
"""

from __future__ import annotations

from typing import Any, Mapping

POSITIONS = ("left", "head", "right")
DECISIONS = ("good", "bad")
CARDS = ("red", "blue", "yellow")
LIFTS = ("S", "B", "D")


def _decision(raw: Any) -> dict[str, Any] | None:
    """One referee's decision, or None when it is not a whole one."""
    if not isinstance(raw, Mapping):
        return None
    entry, lift, attempt, decision = raw.get("entryId"), raw.get("lift"), raw.get("attempt"), raw.get("decision")
    if isinstance(entry, bool) or not isinstance(entry, int) or lift not in LIFTS or decision not in DECISIONS:
        return None
    if isinstance(attempt, bool) or not isinstance(attempt, int) or not 1 <= attempt <= 5:
        return None
    card = raw.get("card") if decision == "bad" and raw.get("card") in CARDS else None
    return {"entryId": entry, "lift": lift, "attempt": attempt, "decision": decision, "card": card}


def lights_view(raw: Any) -> dict[str, Any]:
    """What the pages show of a platform's raw ``live.decisions`` value (anything clients sent)."""
    given = raw if isinstance(raw, Mapping) else {}
    decisions = {position: _decision(given.get(position)) for position in POSITIONS}
    judged = {(d["entryId"], d["lift"], d["attempt"]) for d in decisions.values() if d is not None}
    complete = all(d is not None for d in decisions.values()) and len(judged) == 1
    good = sum(1 for d in decisions.values() if d is not None and d["decision"] == "good") if complete else 0
    entry_id, lift, attempt = next(iter(judged)) if complete else (None, None, None)
    return {
        "complete": complete,
        "majority": ("good" if good >= 2 else "bad") if complete else None,
        "goodCount": good,
        "entryId": entry_id,
        "lift": lift,
        "attempt": attempt,
        "positions": [
            {
                "position": position,
                "decided": decisions[position] is not None,
                "decision": decisions[position]["decision"] if complete and decisions[position] else None,  # type: ignore[index]
                "card": decisions[position]["card"] if complete and decisions[position] else None,  # type: ignore[index]
            }
            for position in POSITIONS
        ],
    }
