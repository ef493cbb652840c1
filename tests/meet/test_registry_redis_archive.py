"""The registry on the redis store: an archived meet leaves Redis memory for its folder,
is still read by its display key, and comes back into Redis when it is joined again."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from openlifter.meet.registry import ARCHIVED, CURRENT, MeetRegistry
from openlifter.protocol import commands
from openlifter.protocol.connection import Connection
from openlifter.protocol.schema import Limits
from support import PASSWORD, create_message, stored_update_count, update, update_message


@pytest.fixture
def storage_kind() -> str:
    return "redis"


async def created_with_updates(registry: MeetRegistry, count: int) -> dict[str, Any]:
    sent: list[Any] = []
    conn = Connection(registry, Limits(), sent.append, commands.COMMANDS, "10.0.0.1")
    await conn.receive(json.dumps(create_message()))
    for local in range(1, count + 1):
        await conn.receive(json.dumps(update_message(sent[0]["sessionToken"], update(f"meet.n{local}", local, local))))
    await asyncio.gather(*conn._in_flight)
    conn.closed()
    return dict(sent[0])


def log_in_redis(registry: MeetRegistry, meet_id: str) -> bool:
    return bool(registry.store.client.exists(registry.store.key("meet", meet_id, "log")))  # type: ignore[attr-defined]


@pytest.mark.gen_test
async def test_an_archived_meet_leaves_redis_for_its_folder_and_is_still_read_by_its_display_key(registry: MeetRegistry, tmp_path) -> None:
    created = await created_with_updates(registry, 5)
    meet_id = created["meetId"]

    await registry.archive(meet_id)

    assert registry.status_of(meet_id) == ARCHIVED and not log_in_redis(registry, meet_id)
    assert (tmp_path / "data" / "archived-meets" / meet_id / "updates.log").read_bytes().count(b"\n") == 5
    live = await registry.get(meet_id)
    assert live is not None and live.meet.head == 5 and registry.display_key_matches(live, created["displayKey"])


@pytest.mark.gen_test
async def test_joining_an_archived_meet_brings_its_log_back_into_redis(registry: MeetRegistry, tmp_path) -> None:
    created = await created_with_updates(registry, 5)
    meet_id = created["meetId"]
    await registry.archive(meet_id)

    admitted = await registry.join_meet(meet_id, PASSWORD, "Weigh-in", "10.0.0.2")

    assert registry.status_of(meet_id) == CURRENT
    assert stored_update_count(registry.store, meet_id) == 5
    assert not (tmp_path / "data" / "archived-meets" / meet_id).exists()
    sent: list[Any] = []
    conn = Connection(registry, Limits(), sent.append, commands.COMMANDS, "10.0.0.2")
    await conn.receive(json.dumps(update_message(admitted.token, update("meet.name", "back", 1, 5))))
    await asyncio.gather(*conn._in_flight)
    assert sent[-1] == {"msgType": "UPDATE_ACK", "updateAcks": [{"localSeqNum": 1, "serverSeqNum": 6}]}
    assert stored_update_count(registry.store, meet_id) == 6
