"""Randomized convergence: several locations with equal and distinct priorities edit
overlapping keys, drop off and come back, the server restarts (SIGTERM or SIGKILL) in
the middle, and at the end everyone holds the same meet, decided by the spec's rule.

Seeds are fixed so a failure replays; set CONVERGENCE_SEEDS=200 for a longer run.
"""

import asyncio
import json
import os
import random

import pytest

from openlifter.client import LiveClient
from openlifter.meet.jsonvalue import MISSING, get_in, json_equal, set_in
from openlifter.meet.keys import parse_key
from support import PASSWORD

SEEDS = range(int(os.environ.get("CONVERGENCE_SEEDS", "6")))
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


async def run_scenario(seed, server_process):
    rng = random.Random(seed)
    count = rng.randint(3, 5)
    names = [f"Loc{i}" for i in range(count)]
    priorities = {name: rng.choice([1, 2, 2, 3, 5]) for name in names}
    server = server_process()
    clients = [await LiveClient.create(server.ws_url, names[0], PASSWORD, priorities.items())]
    meet_id = clients[0].session.meet_id
    for name in names[1:]:
        clients.append(await LiveClient.join(server.ws_url, meet_id, PASSWORD, name))
    steps = rng.randint(40, 70)
    restart_at = rng.randint(10, steps - 10)
    for step in range(steps):
        if step == restart_at:
            if rng.random() < 0.5:
                server.kill()
            else:
                server.terminate()
            for client in clients:
                await client.disconnect()
            server = server_process(data_dir=server.data_dir)
        client = rng.choice(clients)
        roll = rng.random()
        if roll < 0.65:
            key = rng.choice(KEYS)
            await client.edit(key, random_value(rng, key))
        elif roll < 0.8 and client.online:
            await client.disconnect()
        elif roll < 0.95 and not client.online:
            await client.reconnect(server.ws_url)
        else:
            await asyncio.sleep(rng.random() * 0.02)
    for client in clients:
        if not client.online:
            await client.reconnect(server.ws_url)
    for _ in range(3):  # answers to late edits trigger nothing new, but relays may lag
        for client in clients:
            await client.settle()
        for client in clients:
            await client.sync()
    return server, meet_id, clients, priorities


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.gen_test(timeout=60)
async def test_all_locations_converge_by_priority(seed, server_process):
    server, meet_id, clients, priorities = await run_scenario(seed, server_process)
    log = read_log(server, meet_id)
    server_state = materialize(log)

    assert [entry["serverSeqNum"] for entry in log] == list(range(1, len(log) + 1)), "seqs have gaps"
    for client in clients:
        assert not client.session.pending, "an edit was never answered"
        assert client.session.state == server_state, "a client's state differs from the server's"
        assert [(e.seq, e.key) for e in client.session.canonical] == [(e["serverSeqNum"], e["updateKey"]) for e in log]
        for local_seq, answers in client.session.answers.items():
            assert len(answers) == 1, f"edit {local_seq} got {len(answers)} answers"

    for client in clients:
        location, priority = client.session.location, priorities[client.session.location]
        for [answer] in client.session.answers.values():
            if answer.accepted:
                stored = log[answer.server_seq - 1]
                assert stored["updateKey"] == answer.key and json_equal(stored["updateValue"], answer.value)
                over = [r for r in rivals(log, answer, location, answer.server_seq) if r["priority"] >= priority]
                assert not over, f"accepted over a rival of equal or higher priority: {answer} vs {over}"
            else:
                assert answer.conflict, f"rejected without conflict: {answer.reason}"
                beaten_by = [r for r in rivals(log, answer, location, len(log) + 1) if r["priority"] >= priority]
                assert beaten_by, f"rejected without a rival of equal or higher priority: {answer}"
    for client in clients:
        await client.close()
