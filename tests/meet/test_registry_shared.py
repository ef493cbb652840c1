"""Registries of several server processes on one Redis (SPEC section 8): meets made by
one are found by the others, one process serves a meet at a time, and a process whose
meet was taken stops serving it."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Iterator

import pytest

from openlifter.app import store_for
from openlifter.meet import errors
from openlifter.meet.registry import MeetRegistry
from openlifter.protocol import commands, messages
from openlifter.protocol.connection import Connection
from openlifter.protocol.schema import Limits
from openlifter.storage.executor import StorageExecutor
from support import RedisServer, create_message, join_message, stored_update_count, test_config, update, update_message

LEASE_SECONDS = 0.3


@pytest.fixture
def processes(tmp_path, redis_server: RedisServer) -> Iterator[list[MeetRegistry]]:
    """Two started registries on one Redis, as two server processes hold them."""
    redis_server.flush()
    made = []
    for number in range(2):
        config = test_config(tmp_path / f"data{number}", storage="redis", redis_url=redis_server.url, meet_lease_seconds=LEASE_SECONDS, max_meets=2)
        registry = MeetRegistry(config, StorageExecutor(2), messages, store=store_for(config))
        registry.start()
        made.append(registry)
    yield made
    for registry in made:
        registry.io.shutdown()
        registry.close_files()


async def send(registry: MeetRegistry, message: dict[str, Any]) -> list[Any]:
    sent: list[Any] = []
    conn = Connection(registry, Limits(), sent.append, commands.COMMANDS, "10.0.0.1")
    await conn.receive(json.dumps(message))
    await asyncio.gather(*conn._in_flight)
    return sent


async def created_with_one_update(registry: MeetRegistry) -> str:
    sent: list[Any] = []
    conn = Connection(registry, Limits(), sent.append, commands.COMMANDS, "10.0.0.1")
    await conn.receive(json.dumps(create_message()))
    await conn.receive(json.dumps(update_message(sent[0]["sessionToken"], update("meet.name", "Open", 1))))
    await asyncio.gather(*conn._in_flight)
    assert sent[-1]["msgType"] == "UPDATE_ACK"
    return str(sent[0]["meetId"])


@pytest.mark.gen_test
async def test_a_meet_made_by_one_process_is_joined_on_another_once_its_lease_runs_out(processes: list[MeetRegistry]) -> None:
    first, second = processes
    meet_id = await created_with_one_update(first)
    await asyncio.sleep(LEASE_SECONDS + 0.1)  # the first process stopped renewing (paused)

    joined = await send(second, join_message(meet_id))

    assert joined[0]["msgType"] == "MEET_JOINED"
    live = second.loaded(meet_id)
    assert live is not None and live.meet.head == 1


@pytest.mark.gen_test
async def test_a_meet_under_another_process_lease_is_refused_with_the_reason(processes: list[MeetRegistry]) -> None:
    first, second = processes
    meet_id = await created_with_one_update(first)

    joined = await send(second, join_message(meet_id))

    assert joined == [{"msgType": "JOIN_REJECTED", "reason": errors.MEET_SERVED_ELSEWHERE}]


@pytest.mark.gen_test
async def test_a_process_whose_meet_was_taken_stops_serving_it_and_its_writes_are_refused(processes: list[MeetRegistry]) -> None:
    first, second = processes
    sent: list[Any] = []
    conn = Connection(first, Limits(), sent.append, commands.COMMANDS, "10.0.0.1")
    await conn.receive(json.dumps(create_message()))
    token, meet_id = sent[0]["sessionToken"], sent[0]["meetId"]
    lost: list[str] = []
    first.on_meet_lost.append(lambda live: lost.append(live.meet_id))
    await asyncio.sleep(LEASE_SECONDS + 0.1)
    assert (await send(second, join_message(meet_id)))[0]["msgType"] == "MEET_JOINED"

    await conn.receive(json.dumps(update_message(token, update("meet.name", "stale", 1))))
    await asyncio.gather(*conn._in_flight)
    assert sent[-1]["msgType"] == "UPDATE_REJECTED" and sent[-1]["updatesRejected"][0]["reason"] == errors.UPDATE_STORAGE_FAILED
    assert await first.renew_leases() == [meet_id]
    assert first.loaded(meet_id) is None and lost == [meet_id]
    assert stored_update_count(second.store, meet_id) == 0


@pytest.mark.gen_test
async def test_the_owner_keeps_its_meet_while_it_renews(processes: list[MeetRegistry]) -> None:
    first, second = processes
    meet_id = await created_with_one_update(first)
    for _ in range(6):
        await asyncio.sleep(LEASE_SECONDS / 3)
        assert await first.renew_leases() == []

    assert (await send(second, join_message(meet_id)))[0]["reason"] == errors.MEET_SERVED_ELSEWHERE


@pytest.mark.gen_test
async def test_max_meets_counts_the_meets_of_every_process(processes: list[MeetRegistry]) -> None:
    first, second = processes
    await created_with_one_update(first)
    await created_with_one_update(first)

    refused = await send(second, create_message())

    assert refused == [{"msgType": "CREATE_REJECTED", "reason": errors.CREATE_SERVER_FULL}]
