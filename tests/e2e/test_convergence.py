"""Randomized convergence: several locations with equal and distinct priorities edit
overlapping keys, drop off and come back, the server restarts (SIGTERM or SIGKILL) in
the middle, and at the end everyone holds the same meet, decided by the spec's rule.

Seeds are fixed so a failure replays; set CONVERGENCE_SEEDS=200 for a longer run.
"""

import asyncio
import os
import random

import pytest

from convergence_oracle import KEYS, assert_priority_rule, materialize, random_value, read_log
from openlifter.client import LiveClient
from support import PASSWORD

SEEDS = range(int(os.environ.get("CONVERGENCE_SEEDS", "6")))


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
        location = client.session.location
        answers = [answer for [answer] in client.session.answers.values()]
        assert_priority_rule(log, location, priorities[location], answers)
    for client in clients:
        await client.close()
