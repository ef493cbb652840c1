"""What a lifter needs on this attempt to take the lead (rules/lead.py), checked against a
brute force: every loadable weight tried as a good lift, the whole meet placed again with
OpenLifter's rules, the lightest that puts the lifter first."""

from __future__ import annotations

import random

import pytest

from openlifter.rules.lead import lead_on_attempt, with_attempt
from openlifter.rules.model import Entry, entries_from_state, meet_from_state
from openlifter.rules.results import get_results

STEP = 2.5
MAX_KG = 450.0


def flight(seed: int) -> dict:
    """A randomized flight of one category (and a few of another), some attempts taken."""
    rng = random.Random(seed)
    entries = []
    for i in range(rng.randint(2, 9)):
        entry = {"id": i, "name": f"L{i}", "sex": "M", "equipment": "Sleeves", "divisions": ["Open"], "events": ["SBD"],
                 "day": 1, "platform": 1, "flight": "A", "lot": i + 1, "guest": rng.random() < 0.1,
                 "bodyweightKg": rng.choice([80.0, 81.5, 82.0, 82.0]), "age": 0}
        for lift in ("squat", "bench", "deadlift"):
            kgs = [rng.choice([100, 120, 140]) + 10 * n for n in range(3)]
            taken = 3 if lift != "deadlift" else rng.randint(0, 2)
            entry[f"{lift}Kg"] = kgs + [0, 0]
            entry[f"{lift}Status"] = [rng.choice([1, 1, -1]) if n < taken else 0 for n in range(3)] + [0, 0]
        entries.append(entry)
    return {"meet": {"weightClassesKgMen": [83, 93]}, "registration": {"entries": entries}}


def place_first(entries: list[Entry], meet, entry_id: int, projected: bool) -> bool:
    for result in get_results(entries, meet, projected=projected):
        ids = [e.id for e in result.ordered_entries]
        if entry_id in ids and result.category.event == "SBD":
            return ids[0] == entry_id
    return False


def brute_force(entries: list[Entry], meet, index: int, attempt: int, projected: bool) -> tuple[bool, float | None]:
    entry = entries[index]
    if place_first(entries, meet, entry.id, projected):
        return True, None
    n = 1
    while n * STEP <= MAX_KG:
        tried = [with_attempt(e, "D", attempt, n * STEP) if i == index else e for i, e in enumerate(entries)]
        if place_first(tried, meet, entry.id, projected):
            return False, n * STEP
        n += 1
    return False, None


@pytest.mark.parametrize("seed", range(40))
def test_needs_equals_a_brute_force_over_the_category(seed):
    state = flight(seed)
    meet, entries = meet_from_state(state), entries_from_state(state)
    for index, entry in enumerate(entries):
        if entry.guest:
            continue
        attempt = next((n + 1 for n in range(3) if entry.deadlift_status[n] == 0), None)
        if attempt is None:
            continue
        for projected in (True, False):
            category = next(r for r in get_results(entries, meet, projected=projected)
                            if r.category.event == "SBD" and entry.id in [e.id for e in r.ordered_entries])
            lead = lead_on_attempt(entry, "D", attempt, category.ordered_entries, "SBD", projected, STEP)
            assert (lead.leads, lead.needs_kg) == brute_force(entries, meet, index, attempt, projected), (seed, entry.id, projected)


def test_a_guest_never_needs_anything():
    state = flight(3)
    state["registration"]["entries"][0]["guest"] = True
    entries = entries_from_state(state)
    lead = lead_on_attempt(entries[0], "D", 3, entries, "SBD", False, STEP)
    assert (lead.leads, lead.needs_kg) == (False, None)
