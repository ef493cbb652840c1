"""Vectors for the browser's lifting rules (static/js/console/rules.js), made by the server's
Python rules: random flights with ties, lots, overrides, fourth attempts, gaps, both units.

    python tests/js/make_vectors.py [COUNT] [SEED]   -> JSON on stdout

tests/js/rules.test.mjs runs this and checks that the JavaScript gives the same lifting
order, attempt, current and next lifter, bar loads and weight classes.
"""

from __future__ import annotations

import json
import random
import sys
from typing import Any

# The only imports of the rules in the JavaScript checks: keep them here.
from openlifter.rules.barload import left_card_loadings
from openlifter.rules.model import entries_from_state, meet_from_state
from openlifter.rules.units import weight_class_in_units
from openlifter.views.derive import lifting_view, standings

NAMES = ["Ann", "Bo", "Zoë", "Ångström", "😀 Emoji", "Ann", "bo", "Ünal", "Ærø", "", "Carl"]
WEIGHTS = [60, 100, 102.5, 105, 110, 110, 120.5, 140, 180.25, 200, 212.5, 250]
BODYWEIGHTS = [0, 56.4, 62.1, 74, 74, 82.5, 83, 90.7, 104.2, 120.01, 140]
PLATE_SETS = [
    None,  # the meet's defaults
    [{"weightKg": 25, "pairCount": 8, "color": "#FF0000"}, {"weightKg": 20, "pairCount": 1, "color": "#4990E2"},
     {"weightKg": 2.5, "pairCount": 1, "color": "#000000"}, {"weightKg": 1.25, "pairCount": 1, "color": "#000000"}],
    [{"weightKg": 20.41, "pairCount": 4, "color": "#575757"}, {"weightKg": 11.34, "pairCount": 2, "color": "#575757"},
     {"weightKg": 2.27, "pairCount": 1, "color": "#575757"}, {"weightKg": 1.13, "pairCount": 1, "color": "#575757"}],
]


def random_lift(rng: random.Random) -> tuple[list[float], list[int]]:
    kg, status = [0.0] * 5, [0] * 5
    declared = rng.choice([0, 1, 1, 2, 3, 3, 4, 5])
    base = rng.choice(WEIGHTS)
    for i in range(declared):
        kg[i] = base + 2.5 * i * rng.choice([0, 1, 1, 2])
    judged = rng.randint(0, declared)
    for i in range(judged):
        status[i] = rng.choice([1, 1, -1])
    if declared and rng.random() < 0.1:
        kg[rng.randrange(5)] = 0  # a gap: a later attempt declared, an earlier one not
    return kg, status


def random_entry(rng: random.Random, entry_id: int, day: int, platform: int) -> dict[str, Any]:
    """Most entries lift on the platform under test, the others elsewhere (never in its order)."""
    if rng.random() > 0.7:
        day, platform = rng.choice([1, 2]), rng.choice([1, 2])
    entry: dict[str, Any] = {
        "id": entry_id, "day": day, "platform": platform, "flight": rng.choice("AAB"),
        "name": rng.choice(NAMES), "sex": rng.choice(["M", "F", "Mx"]), "lot": rng.choice([0, 0, 1, 2, 3, 4, 5, 6]),
        "equipment": rng.choice(["Sleeves", "Sleeves", "Wraps", "Single-ply", "Bare"]), "guest": rng.random() < 0.1,
        "divisions": rng.choice([[], ["Open"], ["Open"], ["Open", "Masters 1"], ["Juniors"]]),
        "events": rng.choice([["SBD"], ["SBD"], ["B"], ["SBD", "B"], []]),
        "bodyweightKg": rng.choice(BODYWEIGHTS), "squatRackInfo": "", "benchRackInfo": "",
    }
    for lift in ("squat", "bench", "deadlift"):
        entry[f"{lift}Kg"], entry[f"{lift}Status"] = random_lift(rng)
    return entry


def random_lifting(rng: random.Random, day: int, platform: int, ids: list[int]) -> dict[str, Any]:
    return {
        "day": day, "platform": platform, "flight": rng.choice("AAB"), "lift": rng.choice("SBD"),
        "overrideAttempt": rng.choice([None] * 6 + [1, 2, 3, 4, 5]),
        "overrideEntryId": rng.choice([None] * 6 + ids[:3] + [99999]) if ids else None,
        "columnDivisionWidthPx": 90,
    }


def random_state(rng: random.Random) -> tuple[dict[str, Any], int, int]:
    day, platform = rng.choice([(1, 1), (1, 2), (2, 1)])
    entries = [random_entry(rng, 5000 + i, day, platform) for i in range(rng.randint(0, 24))]
    if entries and rng.random() < 0.4:
        # Twins: same bodyweight and weights, other results, so ties reach the last tie-breaks.
        model = entries[0]
        for twin in rng.sample(entries, min(len(entries), rng.randint(2, 5))):
            twin["bodyweightKg"] = model["bodyweightKg"]
            for lift in ("squat", "bench", "deadlift"):
                twin[f"{lift}Kg"] = list(model[f"{lift}Kg"])
                if twin[f"{lift}Kg"][0] > 2.5 and rng.random() < 0.5:
                    twin[f"{lift}Kg"][0] -= 2.5  # another opener, often the same best
    in_kg = rng.random() < 0.75
    meet = {
        "inKg": in_kg,
        "weightClassesKgMen": [59, 66, 74, 83, 93, 105, 120], "weightClassesKgWomen": [47, 52, 57, 63, 69, 76, 84],
        "weightClassesKgMx": rng.choice([[], [74, 90.5]]),
        "squatBarAndCollarsWeightKg": rng.choice([25, 20, 20.41]), "benchBarAndCollarsWeightKg": 25,
        "deadliftBarAndCollarsWeightKg": rng.choice([25, 20]),
        "combineSleevesAndWraps": rng.random() < 0.2, "combineSingleAndMulti": rng.random() < 0.2,
    }
    plates = rng.choice(PLATE_SETS)
    if plates is not None:
        meet["plates"] = plates
    ids = [e["id"] for e in entries]
    rng.shuffle(ids)
    state: dict[str, Any] = {"meet": meet, "registration": {"entries": entries}}
    shape = rng.choice(["live", "lifting", "both"])
    if shape in ("live", "both"):
        state["live"] = {"lifting": {f"d{day}p{platform}": random_lifting(rng, day, platform, ids)}}
    if shape == "lifting":
        state["lifting"] = random_lifting(rng, day, platform, ids)
    if shape == "both":  # the lifting slice names another platform: it must not matter here
        state["lifting"] = random_lifting(rng, day, 3 - platform if day == 1 else platform + 1, ids)
    return state, day, platform


def plates(loading) -> list[list[Any]]:
    return [[p.weight_any, p.is_already_loaded, p.color] for p in loading]


def expected(state: dict[str, Any], day: int, platform: int) -> dict[str, Any]:
    view = lifting_view(state, day, platform)
    meet = meet_from_state(state)
    current, nxt = view["current"], view["next"]
    current_kg = current["weight"]["kg"] if current else 0.0
    next_kg = nxt["weight"]["kg"] if nxt else 0.0
    current_loading, next_loading = left_card_loadings(meet, view["lift"], current_kg, next_kg)
    return {
        "flight": view["flight"],
        "lift": view["lift"],
        "flights": view["flights"],
        "attempt": view["attempt"],
        "order": [row["id"] for row in view["order"]],
        "currentId": current["id"] if current else None,
        "nextId": nxt["id"] if nxt else None,
        "nextAttempt": nxt["attempt"] if nxt else None,
        "currentKg": current_kg,
        "nextKg": next_kg,
        "currentPlates": plates(current_loading) if current else [],
        "nextPlates": plates(next_loading) if nxt else [],
        "standings": {
            mode: [
                {"key": c["key"], "rows": [[r["id"], r["place"], r["totalKg"]] for r in c["rows"]]}
                for c in standings(state, projected=projected)["categories"]
            ]
            for mode, projected in (("projected", True), ("final", False))
        },
        "weightClasses": {
            str(e.id): weight_class_in_units(meet.weight_classes_for_sex(e.sex), e.bodyweight_kg, meet.in_kg)
            for e in entries_from_state(state)
        },
    }


def make_vectors(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    vectors = []
    for _ in range(count):
        state, day, platform = random_state(rng)
        vectors.append({"state": state, "day": day, "platform": platform, "expected": expected(state, day, platform)})
    return vectors


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 9
    json.dump(make_vectors(count, seed), sys.stdout)
