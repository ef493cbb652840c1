"""Server processes on one Redis (SPEC section 8), started as an operator starts them."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import tornado.websocket

from openlifter.client import LiveClient
from openlifter.meet import errors
from support import PASSWORD, Client, RedisServer, ServerProcess, connect_url, create_message, free_port, join_message, update, update_message

pytestmark = pytest.mark.slow


def test_a_server_on_a_redis_without_appendfsync_always_refuses_to_start_with_the_reason(tmp_path: Path) -> None:
    unsafe = RedisServer(tmp_path / "redis", "--appendfsync", "everysec", "--requirepass", "hunter2-redis")
    try:
        url = f"redis://:hunter2-redis@127.0.0.1:{unsafe.port}/0"
        command = [sys.executable, "-m", "openlifter", "--port", str(free_port()), "--storage", "redis", "--redis-url", url]
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, env={**os.environ, "OPENLIFTER_LOG_FORMAT": "json"})
    finally:
        unsafe.stop()
    output = done.stdout + done.stderr
    assert done.returncode == 1
    assert "Redis appendfsync is 'everysec'; the redis store needs appendfsync always" in output
    assert "hunter2-redis" not in output


# ---- several processes on one Redis -----------------------------------------------------

LEASE = "1"  # meet_lease_seconds: short, so that the tests see a takeover in seconds


@pytest.fixture
def redis_processes(server_process, redis_server: RedisServer, tmp_path: Path):
    """``start(name)`` starts a server process on the test Redis (empty at first)."""
    redis_server.flush()

    def start(name: str, *more: str) -> ServerProcess:
        options = ("--storage", "redis", "--redis-url", redis_server.url, "--meet-lease-seconds", LEASE, *more)
        (tmp_path / name).mkdir()
        return server_process(*options, data_dir=tmp_path / name / "data")

    return start


async def admitted(url: str, message: dict[str, Any]) -> tuple[Client, dict[str, Any]]:
    client = await connect_url(url)
    reply = await client.request(message)
    return client, reply


async def join_when_taken_over(url: str, meet_id: str, deadline: float) -> tuple[Client, dict[str, Any]]:
    """Join on another process, again and again until it serves the meet (the lease of the
    old owner runs out first)."""
    while True:
        client, reply = await admitted(url, join_message(meet_id, location="Table"))
        if reply["msgType"] == "MEET_JOINED" or time.monotonic() > deadline:
            return client, reply
        client.close()
        await asyncio.sleep(0.2)


def stored_log(url: str, meet_id: str) -> list[dict[str, Any]]:
    import redis

    with redis.Redis.from_url(url) as client:
        return [json.loads(fields[b"entry"]) for _, fields in client.xrange(f"openlifter:meet:{meet_id}:log")]


@pytest.mark.gen_test(timeout=60)
async def test_an_owner_paused_past_its_lease_is_fenced_and_stops_serving_the_meet(redis_processes, redis_server: RedisServer) -> None:
    old, new = redis_processes("old"), redis_processes("new")
    writer, created = await admitted(old.ws_url, create_message())
    meet_id, token = created["meetId"], created["sessionToken"]
    assert (await writer.request(update_message(token, update("meet.name", "before", 1))))["msgType"] == "UPDATE_ACK"

    assert old.proc is not None
    old.proc.send_signal(signal.SIGSTOP)
    try:
        taker, joined = await join_when_taken_over(new.ws_url, meet_id, time.monotonic() + 10)
        assert joined["msgType"] == "MEET_JOINED"
        assert (await taker.request(update_message(joined["sessionToken"], update("meet.city", "new owner", 1, 1))))["msgType"] == "UPDATE_ACK"
        await writer.send(update_message(token, update("meet.name", "stale", 2, 1)))  # waits in the paused process's socket
    finally:
        old.proc.send_signal(signal.SIGCONT)

    answers = []
    while (frame := await writer.recv(timeout=10)) is not None:  # until the old owner closes the socket
        answers.append(frame["msgType"])
    assert "UPDATE_ACK" not in answers
    assert [(e["serverSeqNum"], e["updateValue"]) for e in stored_log(redis_server.url, meet_id)] == [(1, "before"), (2, "new owner")]
    assert "meet taken by another server process" in old.logs()
    again, refused = await admitted(old.ws_url, join_message(meet_id, location="Table"))
    assert refused == {"msgType": "JOIN_REJECTED", "reason": errors.MEET_SERVED_ELSEWHERE}
    for client in (writer, taker, again):
        client.close()


@pytest.mark.gen_test(timeout=60)
async def test_the_client_joins_at_the_meets_own_address_so_a_join_sent_to_another_process_is_served(redis_processes) -> None:
    owner, other = redis_processes("owner"), redis_processes("other")
    creator, created = await admitted(owner.ws_url, create_message())
    meet_id = created["meetId"]
    _, refused = await admitted(other.ws_url, join_message(meet_id))  # a join frame on the other's /ws
    assert refused == {"msgType": "JOIN_REJECTED", "reason": errors.MEET_SERVED_ELSEWHERE}

    joiner = await LiveClient.join(other.ws_url, meet_id, PASSWORD, "Weigh-in")  # told the other process's /ws
    assert joiner.url.endswith(f"/meets/{meet_id}/ws")
    await joiner.edit("meet.name", "through the owner")
    await joiner.settle()
    relay = await creator.recv(5)
    assert relay["msgType"] == "UPDATE_RELAY" and relay["updatesRelayed"][0]["updateValue"] == "through the owner"
    await joiner.close()
    creator.close()


@pytest.mark.gen_test(timeout=90)
async def test_after_kill_9_of_the_owner_another_process_serves_the_meet_losing_no_acknowledged_update(redis_processes, redis_server: RedisServer) -> None:
    owner, spare = redis_processes("owner"), redis_processes("spare")
    creator, created = await admitted(owner.ws_url, create_message())
    meet_id = created["meetId"]
    acked: dict[int, tuple[str, Any]] = {}  # serverSeqNum -> (key, value) of every ACK a writer got
    killed = asyncio.Event()
    back: list[float] = []  # seconds from the kill to each writer's first ACK on the spare

    async def writer(number: int) -> None:
        client, reply = await admitted(owner.ws_url, join_message(meet_id, location="Table"))
        token, local, head = reply["sessionToken"], 0, 0
        while len(acked) < 120:
            local += 1
            key, value = f"w{number}.n{local}", local
            try:
                await client.send(update_message(token, update(key, value, local, head)))
                while (frame := await client.recv(timeout=5)) is not None and frame["msgType"] == "UPDATE_RELAY":
                    pass
            except (asyncio.TimeoutError, tornado.websocket.WebSocketClosedError):
                frame = None
            if frame is not None and frame["msgType"] == "UPDATE_ACK":
                seq = frame["updateAcks"][0]["serverSeqNum"]
                acked[seq] = (key, value)
                head = max(head, seq)
                if killed.is_set() and len(back) < number + 1:
                    back.append(time.monotonic() - kill_time)
                continue
            client.close()  # the owner is gone: come back on the other process
            await killed.wait()
            client, reply = await join_when_taken_over(spare.ws_url, meet_id, time.monotonic() + 15)
            assert reply["msgType"] == "MEET_JOINED", reply
            token = reply["sessionToken"]
        client.close()

    writers = [asyncio.ensure_future(writer(number)) for number in range(3)]
    while len(acked) < 30:
        await asyncio.sleep(0.01)
    owner.kill()
    kill_time = time.monotonic()
    killed.set()
    await asyncio.wait_for(asyncio.gather(*writers), 60)

    stored = stored_log(redis_server.url, meet_id)
    assert [e["serverSeqNum"] for e in stored] == list(range(1, len(stored) + 1))  # gapless
    by_seq = {e["serverSeqNum"]: (e["updateKey"], e["updateValue"]) for e in stored}
    assert all(by_seq.get(seq) == write for seq, write in acked.items())  # no acknowledged update lost
    assert back and max(back) < 10.0
    creator.close()


@pytest.mark.gen_test(timeout=60)
async def test_clients_of_one_meet_spread_over_three_processes_get_every_relay_in_seq_order(redis_processes) -> None:
    servers = [redis_processes(name) for name in ("a", "b", "c")]
    creator, created = await admitted(servers[0].ws_url, create_message())
    meet_id = created["meetId"]
    clients = []
    for server in servers:  # b and c serve theirs through a, which holds the meet
        client, joined = await admitted(f"ws://127.0.0.1:{server.port}/meets/{meet_id}/ws", join_message(meet_id, location="Table"))
        assert joined["msgType"] == "MEET_JOINED"
        clients.append((client, joined["sessionToken"]))
    per_client = 20
    total = per_client * len(clients)
    seen: list[list[int]] = [[] for _ in clients]  # seqs each client learnt of, in arrival order

    async def run(number: int) -> None:
        client, token = clients[number]
        for local in range(1, per_client + 1):
            await client.send(update_message(token, update(f"c{number}.n{local}", local, local)))
            while True:
                frame = await client.recv(timeout=10)
                if frame["msgType"] == "UPDATE_RELAY":
                    seen[number] += [u["serverSeqNum"] for u in frame["updatesRelayed"]]
                    continue
                assert frame["msgType"] == "UPDATE_ACK", frame
                seen[number] += [a["serverSeqNum"] for a in frame["updateAcks"]]
                break
        while len(seen[number]) < total:  # the others' last relays
            frame = await client.recv(timeout=10)
            seen[number] += [u["serverSeqNum"] for u in frame["updatesRelayed"]]

    await asyncio.gather(*(run(number) for number in range(len(clients))))

    for seqs in seen:
        assert seqs == list(range(1, total + 1))
    for client, _ in clients:
        client.close()
    creator.close()


@pytest.mark.gen_test(timeout=60)
async def test_sockets_closed_while_the_dead_owner_holds_the_lease_do_not_count_as_failed_joins(redis_processes) -> None:
    few_joins = ("--meet-lease-seconds", "3", "--join-attempts-per-minute", "2")
    owner, spare = redis_processes("owner", *few_joins), redis_processes("spare", *few_joins)
    creator, created = await admitted(owner.ws_url, create_message())
    meet_id = created["meetId"]
    creator.close()
    owner.kill()

    closed = 0
    while True:  # the spare relays to the dead owner until its lease runs out, and closes
        client, reply = await admitted(f"ws://127.0.0.1:{spare.port}/meets/{meet_id}/ws", join_message(meet_id, location="Table"))
        client.close()
        if reply is not None:
            break
        closed += 1
        await asyncio.sleep(0.05)

    assert closed > 2  # more than join_attempts_per_minute
    assert reply["msgType"] == "MEET_JOINED", reply
