"""What server processes on one Redis share besides the meets they serve (SPEC section
8): sessions by token, limits per address, and finished meets written out of Redis to
one shared folder, every process started as an operator starts it."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest
import redis
import tornado.httpclient

from openlifter.meet import errors
from support import Client, RedisServer, ServerProcess, connect_url, create_message, join_message, pull_message, update, update_message

pytestmark = pytest.mark.slow

LEASE = "1"  # meet_lease_seconds: short, so that a killed owner's meets move on in a second


@pytest.fixture
def shared_folder(tmp_path: Path) -> Path:
    return tmp_path / "shared"  # what an NFS mount is across hosts


@pytest.fixture
def processes(server_process, redis_server: RedisServer, tmp_path: Path, shared_folder: Path):
    """``start(name, *options)``: a server process on the test Redis (empty at first) with
    its own data folder, writing finished meets to the one shared folder."""
    redis_server.flush()

    def start(name: str, *more: str) -> ServerProcess:
        options = ("--storage", "redis", "--redis-url", redis_server.url, "--meet-lease-seconds", LEASE, "--redis-archive-dir", str(shared_folder))
        (tmp_path / name).mkdir()
        return server_process(*options, *more, data_dir=tmp_path / name / "data")

    return start


async def answer(url: str, message: dict[str, Any]) -> tuple[Client, Any]:
    client = await connect_url(url)
    return client, await client.request(message)


async def answer_once_served(url: str, message: dict[str, Any], deadline_seconds: float = 10) -> tuple[Client, Any]:
    """Send on a new socket until a process serves the meet (a killed owner's lease runs
    out first: until then the socket is closed, 1012, or the meet refused)."""
    deadline = time.monotonic() + deadline_seconds
    while True:
        client, reply = await answer(url, message)
        served = reply is not None and reply.get("reason") != errors.MEET_SERVED_ELSEWHERE
        if served or time.monotonic() > deadline:
            return client, reply
        client.close()
        await asyncio.sleep(0.1)


async def created_with_updates(server: ServerProcess, count: int) -> tuple[Client, dict[str, Any]]:
    client, created = await answer(server.ws_url, create_message())
    for local in range(1, count + 1):
        await client.send(update_message(created["sessionToken"], update(f"registration.entries[{local}].name", f"Lifter {local}", local)))
        assert (await client.recv())["msgType"] == "UPDATE_ACK"
    return client, created


@pytest.mark.gen_test(timeout=60)
async def test_a_published_meet_leaves_redis_and_another_process_still_serves_its_sessions_and_displays(
    processes, redis_server: RedisServer, shared_folder: Path
) -> None:
    owner, other = processes("owner"), processes("other")
    director, created = await created_with_updates(owner, 20)
    meet_id, token = created["meetId"], created["sessionToken"]
    published = await director.request({"msgType": "PUBLISH_MEET", "sessionToken": token, "returnEmail": "director@example.org", "oplCsv": "Place,Name\n"})
    assert published == {"msgType": "PUBLISH_ACK", "meetId": meet_id}
    director.close()
    owner.kill()

    folder = shared_folder / "finished-meets" / meet_id
    assert (folder / "opl.csv").read_text() == "Place,Name\n"
    assert (folder / "email.txt").read_text() == "director@example.org\n"
    assert (folder / "updates.log").read_bytes().count(b"\n") == 20
    with redis.Redis.from_url(redis_server.url) as client:
        assert not client.exists(f"openlifter:meet:{meet_id}:log")
        assert client.memory_usage(f"openlifter:meet:{meet_id}", samples=0) < 1500
    # The director's token, made on the killed process, on a process that never saw it.
    puller, pulled = await answer_once_served(other.ws_url, pull_message(token, 0))
    assert pulled["msgType"] == "SERVER_PULL" and pulled["lastServerSeq"] == 20 and len(pulled["updates"]) == 20
    api = await tornado.httpclient.AsyncHTTPClient().fetch(f"http://127.0.0.1:{other.port}/meets/{meet_id}/api/state?key={created['displayKey']}")
    assert json.loads(api.body)["state"]["registration"]["entries"][20]["name"] == "Lifter 20"
    puller.close()


@pytest.mark.gen_test(timeout=60)
async def test_a_published_meet_is_shown_by_another_process_while_its_owner_still_serves_it(processes) -> None:
    owner, other = processes("owner"), processes("other")
    director, created = await created_with_updates(owner, 5)
    published = await director.request({"msgType": "PUBLISH_MEET", "sessionToken": created["sessionToken"], "returnEmail": "d@example.org", "oplCsv": "Place\n"})
    assert published["msgType"] == "PUBLISH_ACK"

    api = await tornado.httpclient.AsyncHTTPClient().fetch(f"http://127.0.0.1:{other.port}/meets/{created['meetId']}/api/state?key={created['displayKey']}")

    assert json.loads(api.body)["state"]["registration"]["entries"][5]["name"] == "Lifter 5"
    director.close()


@pytest.mark.gen_test(timeout=60)
async def test_a_token_made_on_one_process_is_served_through_the_owner_on_another_processes_ws(processes) -> None:
    owner, other = processes("owner"), processes("other")
    director, created = await created_with_updates(owner, 1)

    table, pulled = await answer(other.ws_url, pull_message(created["sessionToken"], 0))  # /ws: no meet in the address
    assert pulled["msgType"] == "SERVER_PULL" and pulled["lastServerSeq"] == 1
    acked = await table.request(update_message(created["sessionToken"], update("meet.name", "Nationals", 2, 1)))

    assert acked == {"msgType": "UPDATE_ACK", "updateAcks": [{"localSeqNum": 2, "serverSeqNum": 2}]}
    relayed = await director.recv()
    assert relayed["msgType"] == "UPDATE_RELAY" and relayed["updatesRelayed"][0]["serverSeqNum"] == 2
    for client in (director, table):
        client.close()


@pytest.mark.gen_test(timeout=60)
async def test_sessions_made_on_a_killed_owner_keep_working_on_the_process_that_takes_the_meet(processes) -> None:
    owner = processes("owner")
    director, created = await created_with_updates(owner, 1)
    taker = processes("taker")  # it reads the meet's sessions of now at its start ...
    weigh_in, joined = await answer(owner.ws_url, join_message(created["meetId"]))  # ... not this one
    for client in (director, weigh_in):
        client.close()
    owner.kill()

    newcomer, again = await answer_once_served(taker.ws_url, join_message(created["meetId"], location="Table"))
    assert again["msgType"] == "MEET_JOINED"
    later = processes("later")  # reads the sessions the taker wrote: none was dropped

    for token in (created["sessionToken"], joined["sessionToken"], again["sessionToken"]):
        client, reply = await answer(f"ws://127.0.0.1:{later.port}/meets/{created['meetId']}/ws", pull_message(token, 1))
        assert reply["msgType"] == "SERVER_PULL", reply
        client.close()
    newcomer.close()


@pytest.mark.gen_test(timeout=60)
async def test_failed_joins_spread_over_processes_share_one_limit(processes) -> None:
    few = ("--join-attempts-per-minute", "2")
    servers = [processes("a", *few), processes("b", *few)]
    director, created = await answer(servers[0].ws_url, create_message())

    reasons = []
    for attempt in range(4):
        client, reply = await answer(servers[attempt % 2].ws_url, join_message(created["meetId"], password="wrong password!"))
        reasons.append(reply["reason"])
        client.close()

    assert reasons == [errors.JOIN_BAD_CREDENTIALS] * 2 + [errors.JOIN_RATE_LIMITED] * 2
    director.close()


@pytest.mark.gen_test(timeout=60)
async def test_creates_spread_over_processes_share_one_limit(processes) -> None:
    servers = [processes("a", "--creates-per-minute", "2"), processes("b", "--creates-per-minute", "2")]

    replies = []
    for attempt in range(4):
        client, reply = await answer(servers[attempt % 2].ws_url, create_message())
        replies.append(reply["msgType"] if reply["msgType"] == "MEET_CREATED" else reply["reason"])
        client.close()

    assert replies == ["MEET_CREATED"] * 2 + [errors.CREATE_RATE_LIMITED] * 2
