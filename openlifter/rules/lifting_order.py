"""Lifting order, current and next lifter, as OpenLifter derives them.

OpenLifter never stores meet progress: ``src/logic/liftingOrder.ts``
recomputes it from the entries and ``LiftingState`` on every render.  This
module does the same so every screen of the live server agrees with the
meet director's laptop, down to tie-breaks and the odd edge cases
(out-of-range attempt overrides read missing array slots as JS
``undefined``: never equal to 0, never a pending status).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cmp_to_key
from typing import Iterable, Sequence

from openlifter.rules.model import MAX_ATTEMPTS, Entry, Lifting, js_string_compare, js_string_key


@dataclass(frozen=True)
class LiftingOrder:
    """What the lifting page shows (``LiftingOrder`` in dataTypes.ts)."""

    ordered_entries: tuple[Entry, ...]
    attempt_one_indexed: int
    current_entry_id: int | None
    next_entry_id: int | None
    next_attempt_one_indexed: int | None


def _slot(values: Sequence[float] | Sequence[int], index: int) -> float | int | None:
    """``array[index]`` with JS semantics: out of range is undefined (None), never wraps."""
    if 0 <= index < len(values):
        return values[index]
    return None


def _weight(entry: Entry, lift: str, attempt_one_indexed: int) -> float | None:
    return _slot(entry.weights(lift), attempt_one_indexed - 1)


def _status(entry: Entry, lift: str, attempt_one_indexed: int) -> int | None:
    status = _slot(entry.statuses(lift), attempt_one_indexed - 1)
    return None if status is None else int(status)


def _is_pending(entry: Entry, lift: str, attempt_one_indexed: int) -> bool:
    """Declared (weight != 0) and not yet judged (status == 0)."""
    return _weight(entry, lift, attempt_one_indexed) != 0 and _status(entry, lift, attempt_one_indexed) == 0


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def compare_entries_by_attempt(a: Entry, b: Entry, lift: str, attempt_one_indexed: int) -> int:
    """Who lifts first on an attempt: lighter weight, then lot, then earlier attempts, bodyweight, name.

    Negative if ``a`` goes first.  Also used by places, which pass a 0-based
    index here (OpenLifter's quirk), so attempt 0 compares two undefined
    weights as equal and falls through to lot, bodyweight and name.
    """
    if a.lot != 0 and b.lot != 0 and attempt_one_indexed > MAX_ATTEMPTS:
        return _sign(a.lot - b.lot)  # both weights undefined: lot decides at once
    # OpenLifter recurses attempt by attempt; a loop gives the same answer
    # without a stack limit, and slots above MAX_ATTEMPTS are all undefined.
    attempt = min(attempt_one_indexed, MAX_ATTEMPTS)
    while True:
        a_kg = _weight(a, lift, attempt)
        b_kg = _weight(b, lift, attempt)
        if a_kg != b_kg:
            if a_kg is None or b_kg is None:
                return 0  # JS: undefined - number is NaN, which sort treats as "equal".
            return _sign(a_kg - b_kg)
        if a.lot != 0 and b.lot != 0:
            return _sign(a.lot - b.lot)
        if attempt <= 1:
            break
        attempt -= 1
    if a.bodyweight_kg != b.bodyweight_kg:
        return _sign(a.bodyweight_kg - b.bodyweight_kg)
    return js_string_compare(a.name, b.name)


def order_entries_by_attempt(entries: Iterable[Entry], lift: str, attempt_one_indexed: int) -> list[Entry]:
    """Entries sorted (stably) for one attempt; the flight-order page uses attempt 1."""
    def compare(a: Entry, b: Entry) -> int:
        return compare_entries_by_attempt(a, b, lift, attempt_one_indexed)

    return sorted(entries, key=cmp_to_key(compare))


def _next_attempt_for_entry(entry: Entry, lift: str) -> int:
    """Highest declared-but-unjudged attempt (lifters only fill in the next one), or 0."""
    for attempt in range(MAX_ATTEMPTS, 0, -1):
        if _is_pending(entry, lift, attempt):
            return attempt
    return 0


def _max_attempt_for_entry(entry: Entry, lift: str) -> int:
    """Highest judged attempt, or 0."""
    for attempt in range(MAX_ATTEMPTS, 0, -1):
        if _weight(entry, lift, attempt) != 0 and _status(entry, lift, attempt) != 0:
            return attempt
    return 0


def active_attempt(entries_in_flight: Sequence[Entry], lifting: Lifting) -> int:
    """The attempt being taken: the override, else the lowest pending attempt, else inferred.

    With nothing pending it moves to the attempt after the highest judged one,
    but never from the 3rd to the 4th by itself (4th attempts are for records
    and are chosen by hand); once on a 4th attempt it stays there.
    """
    if lifting.override_attempt is not None:
        return lifting.override_attempt
    pending = [n for n in (_next_attempt_for_entry(e, lifting.lift) for e in entries_in_flight) if n > 0]
    if pending:
        return min(pending)
    latest = max((_max_attempt_for_entry(e, lifting.lift) for e in entries_in_flight), default=0)
    if latest > 0:
        return latest if latest + 1 >= 4 else latest + 1
    return 1


def order_entries_for_attempt(entries_in_flight: Sequence[Entry], lift: str, attempt_one_indexed: int) -> list[Entry]:
    """Lifting order for attempt A: byNext + byThis + byPrev + notLifting.

    Lifters who already declared attempt A+1 have finished A and are listed
    first by that next weight; then those lifting A; then those stuck on A-1;
    then everyone without weights.  Only weights decide the group, not statuses.
    """
    has_next = attempt_one_indexed + 1 <= MAX_ATTEMPTS
    has_prev = attempt_one_indexed > 1
    by_next: list[Entry] = []
    by_this: list[Entry] = []
    by_prev: list[Entry] = []
    not_lifting: list[Entry] = []
    for entry in entries_in_flight:
        if has_next and _weight(entry, lift, attempt_one_indexed + 1) != 0:
            by_next.append(entry)
        elif _weight(entry, lift, attempt_one_indexed) != 0:
            by_this.append(entry)
        elif has_prev and _weight(entry, lift, attempt_one_indexed - 1) != 0:
            by_prev.append(entry)
        else:
            not_lifting.append(entry)
    if has_next:
        by_next = order_entries_by_attempt(by_next, lift, attempt_one_indexed + 1)
    by_this = order_entries_by_attempt(by_this, lift, attempt_one_indexed)
    if has_prev:
        by_prev = order_entries_by_attempt(by_prev, lift, attempt_one_indexed - 1)
    not_lifting = order_entries_by_attempt(not_lifting, lift, attempt_one_indexed)
    return by_next + by_this + by_prev + not_lifting


def _current_entry_id(ordered: Sequence[Entry], lifting: Lifting, attempt: int) -> int | None:
    """The overridden lifter if still in the flight, else the first pending lifter in order."""
    if lifting.override_entry_id is not None and any(e.id == lifting.override_entry_id for e in ordered):
        return lifting.override_entry_id
    for entry in ordered:
        if _is_pending(entry, lifting.lift, attempt):
            return entry.id
    return None


def _next_entry_info(
    ordered: Sequence[Entry], lifting: Lifting, current_id: int | None, attempt: int
) -> tuple[int, int] | None:
    """(id, attempt) of the lifter after the current one.

    First the next pending lifter further down on this attempt; failing that,
    wrap to the top of the list (before the current lifter) for someone with
    the next attempt pending.
    """
    if current_id is None:
        return None
    index = next((i for i, e in enumerate(ordered) if e.id == current_id), -1)
    if index == -1:
        return None
    for entry in ordered[index + 1:]:
        if _is_pending(entry, lifting.lift, attempt):
            return entry.id, attempt
    if attempt + 1 > MAX_ATTEMPTS:
        return None
    for entry in ordered[:index]:
        if _is_pending(entry, lifting.lift, attempt + 1):
            return entry.id, attempt + 1
    return None


def get_lifting_order(entries_in_flight: Sequence[Entry], lifting: Lifting) -> LiftingOrder:
    """Resolve the lifting state to the order, current lifter and next lifter (``getLiftingOrder``)."""
    attempt = active_attempt(entries_in_flight, lifting)
    ordered = order_entries_for_attempt(entries_in_flight, lifting.lift, attempt)
    current_id = _current_entry_id(ordered, lifting, attempt)
    nxt = _next_entry_info(ordered, lifting, current_id, attempt)
    return LiftingOrder(
        ordered_entries=tuple(ordered),
        attempt_one_indexed=attempt,
        current_entry_id=current_id,
        next_entry_id=nxt[0] if nxt else None,
        next_attempt_one_indexed=nxt[1] if nxt else None,
    )


def entries_in_flight(entries: Iterable[Entry], lifting: Lifting) -> list[Entry]:
    """Entries of the lifting group's day, platform and flight, whatever their events."""
    return [
        e for e in entries if e.day == lifting.day and e.platform == lifting.platform and e.flight == lifting.flight
    ]


def flights_on_platform(entries: Iterable[Entry], day: int, platform: int) -> list[str]:
    """Flights offered by the footer: those present on the day/platform, sorted as JS strings."""
    return sorted_flights({e.flight for e in entries if e.day == day and e.platform == platform})


def sorted_flights(flights: Iterable[str]) -> list[str]:
    """Flights in the footer's order (JavaScript string order)."""
    return sorted(flights, key=js_string_key)


def use_projected_totals(lift: str, attempt_one_indexed: int) -> bool:
    """The lifting table shows projected totals/places until 2nd-attempt deadlifts."""
    return lift != "D" or attempt_one_indexed < 2
