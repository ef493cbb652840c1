"""The priority rule of SPEC section 2, written independently of the server's code, to judge
randomized runs (tests/e2e/test_convergence.py with Python clients,
tests/e2e/test_live_client_random.py with browsers): random keys and values, the state
a log materializes, and a check that every answered edit obeys the rule."""

from __future__ import annotations

import json
from typing import Any, Iterable, Protocol

from openlifter.meet.jsonvalue import MISSING, get_in, json_equal, set_in
from openlifter.meet.keys import parse_key

KEYS = [
    "meet",
    "meet.name",
    "meet.city",
    "lifting",
    "lifting.flight",
    "lifting.lift",
    "registration.entries[0]",
    "registration.entries[0].name",
    "registration.entries[0].bodyweightKg",
    "registration.entries[1].bodyweightKg",
    "registration.entries[1].squatKg[0]",
    "registration.entries[10].name",
]


class Answered(Protocol):
    """One edit and how the server answered it (the Python client's Answer has these)."""

    key: str
    value: Any
    after_seq: int
    accepted: bool
    server_seq: int | None
    conflict: bool
    reason: str


def random_value(rng, key):
    leaf = rng.choice(["A", "B", 1, 2, 2.5, True, None])
    if key in ("meet", "lifting", "registration.entries[0]"):
        return rng.choice([{"name": leaf}, {"flight": leaf, "lift": "S"}, {"name": "A", "bodyweightKg": 80}, {}])
    return leaf


def read_log(server, meet_id):
    folder = server.data_dir / "current-meets" / meet_id
    return [json.loads(line) for line in (folder / "updates.log").read_text().splitlines()]


def materialize(log):
    state = {}
    for entry in log:
        set_in(state, parse_key(entry["updateKey"]), entry["updateValue"])
    return state


def differs_at_overlap(key_a, value_a, key_b, value_b):
    """Oracle for 'an overlapping key with a different value', written independently."""
    a, b = parse_key(key_a), parse_key(key_b)
    n = min(len(a), len(b))
    if a[:n] != b[:n]:
        return None  # no overlap
    if len(a) <= len(b):
        inside = get_in(value_a, b[len(a):])
        return inside is MISSING or not json_equal(inside, value_b)
    inside = get_in(value_b, a[len(b):])
    return inside is MISSING or not json_equal(inside, value_a)


def rivals(log, answer, location, upto):
    return [
        entry
        for entry in log
        if answer.after_seq < entry["serverSeqNum"] < upto
        and entry["locationName"] != location
        and differs_at_overlap(answer.key, answer.value, entry["updateKey"], entry["updateValue"])
    ]


def assert_priority_rule(log: list[dict[str, Any]], location: str, priority: int, answers: Iterable[Answered]) -> None:
    """Every accepted edit is in the log and beat no rival of equal or higher priority;
    every rejected edit was a conflict lost to such a rival."""
    for answer in answers:
        if answer.accepted:
            assert answer.server_seq is not None  # an accepted edit has its seq
            stored = log[answer.server_seq - 1]
            assert stored["updateKey"] == answer.key and json_equal(stored["updateValue"], answer.value)
            over = [r for r in rivals(log, answer, location, answer.server_seq) if r["priority"] >= priority]
            assert not over, f"accepted over a rival of equal or higher priority: {answer} vs {over}"
        else:
            assert answer.conflict, f"rejected without conflict: {answer.reason}"
            beaten_by = [r for r in rivals(log, answer, location, len(log) + 1) if r["priority"] >= priority]
            assert beaten_by, f"rejected without a rival of equal or higher priority: {answer}"
