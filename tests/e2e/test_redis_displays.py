"""Displays on any process (SPEC section 8): server processes that do not own a meet keep a
read-only copy of it, fed by the meet's Redis channel and its stored log, and serve its
display pages, feeds and JSON API from there."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from pathlib import Path
from typing import Any

import jsonpatch
import pytest
import redis
import tornado.httpclient
import tornado.websocket

from support import Client, RedisServer, ServerProcess, connect_url, create_message, join_message, update, update_message

pytestmark = pytest.mark.slow

LEASE = "1"  # meet_lease_seconds: a takeover within seconds
ADMIN_TOKEN = "admin-token-for-the-display-tests"


@pytest.fixture
def processes(server_process, redis_server: RedisServer, tmp_path: Path):
    """``start(name)``: a server process on the test Redis (empty at first)."""
    redis_server.flush()

    def start(name: str) -> ServerProcess:
        (tmp_path / name).mkdir()
        options = ("--storage", "redis", "--redis-url", redis_server.url, "--meet-lease-seconds", LEASE, "--admin-token", ADMIN_TOKEN)
        return server_process(*options, data_dir=tmp_path / name / "data")

    return start


class Display:
    """A JSON-views display feed: rebuilds the views from its snapshot and patches, and
    checks that every frame follows on from the one before."""

    def __init__(self, socket: tornado.websocket.WebSocketClientConnection) -> None:
        self.socket = socket
        self.views: Any = None
        self.seqs: list[int] = []  # the seq of each frame, in arrival order

    @classmethod
    async def open(cls, server: ServerProcess, meet_id: str, key: str) -> "Display":
        return cls(await tornado.websocket.websocket_connect(f"ws://127.0.0.1:{server.port}/meets/{meet_id}/feed?key={key}"))

    async def follow_to(self, seq: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.seqs or self.seqs[-1] < seq:
            raw = await asyncio.wait_for(self.socket.read_message(), max(0.1, deadline - time.monotonic()))
            assert raw is not None, f"feed closed at {self.seqs[-1:]}"
            frame = json.loads(raw)
            if frame["msgType"] == "MEET_VIEWS":
                assert not self.seqs, "a snapshot after the first frame: the display fell behind"
                self.views = frame["views"]
            else:
                assert frame["msgType"] == "MEET_VIEWS_PATCH", frame
                assert frame["fromSeq"] == self.seqs[-1] < frame["seq"], (self.seqs, frame["fromSeq"], frame["seq"])
                self.views = jsonpatch.apply_patch(self.views, frame["patch"])
            self.seqs.append(frame["seq"])

    def close(self) -> None:
        self.socket.close()


async def create_meet(server: ServerProcess) -> tuple[Client, str, str, str]:
    writer = await connect_url(server.ws_url)
    created = await writer.request(create_message())
    return writer, created["meetId"], created["sessionToken"], created["displayKey"]


async def write(writer: Client, token: str, first: int, count: int) -> int:
    """``count`` updates, one at a time; returns the last acknowledged seq."""
    seq = 0
    for local in range(first, first + count):
        await writer.send(update_message(token, update("meet.name", f"Meet {local}", local, seq)))
        while (frame := await writer.recv(timeout=10))["msgType"] == "UPDATE_RELAY":
            pass
        assert frame["msgType"] == "UPDATE_ACK", frame
        seq = frame["updateAcks"][0]["serverSeqNum"]
    return seq


async def get_json(server: ServerProcess, path: str) -> tuple[int, Any]:
    request = tornado.httpclient.HTTPRequest(f"http://127.0.0.1:{server.port}/{path}")
    response = await tornado.httpclient.AsyncHTTPClient().fetch(request, raise_error=False)
    return response.code, json.loads(response.body) if response.code == 200 else None


@pytest.mark.gen_test(timeout=60)
async def test_displays_on_three_processes_follow_one_meet_in_seq_order_with_the_owners_views(processes) -> None:
    servers = [processes(name) for name in ("owner", "b", "c")]
    writer, meet_id, token, key = await create_meet(servers[0])
    await write(writer, token, 1, 3)
    displays = [await Display.open(server, meet_id, key) for server in servers]

    head = await write(writer, token, 4, 20)

    owners = (await get_json(servers[0], f"meets/{meet_id}/api/views?key={key}"))[1]
    assert owners["seq"] == head
    for server, display in zip(servers, displays):
        await display.follow_to(head)
        assert display.seqs[-1] == head
        assert display.views == owners["views"]
        assert display.views["meet"]["name"] == "Meet 23"
        assert await get_json(server, f"meets/{meet_id}/api/views?key={key}") == (200, owners)
    for display in displays:
        display.close()
    writer.close()


@pytest.mark.gen_test(timeout=60)
async def test_display_pages_and_the_api_on_a_process_that_does_not_own_the_meet_refuse_a_wrong_key(processes) -> None:
    owner, other = processes("owner"), processes("other")
    writer, meet_id, token, key = await create_meet(owner)
    await write(writer, token, 1, 2)

    client = tornado.httpclient.AsyncHTTPClient()
    page = await client.fetch(f"http://127.0.0.1:{other.port}/meets/{meet_id}/scoreboard?key={key}", raise_error=False)
    wrong = await client.fetch(f"http://127.0.0.1:{other.port}/meets/{meet_id}/scoreboard?key=not-{key}", raise_error=False)

    assert page.code == 200 and b"Meet 2" in page.body
    assert wrong.code == 403
    assert (await get_json(other, f"meets/{meet_id}/api/state?key=not-{key}"))[0] == 403
    assert "meet copied for displays" in other.logs()
    assert "meet loaded" not in other.logs()  # a display never takes the meet from its owner
    metrics = await client.fetch(f"http://127.0.0.1:{other.port}/metrics")
    assert b"\nopenlifter_display_copies 1.0\n" in metrics.body
    writer.close()


@pytest.mark.gen_test(timeout=60)
async def test_a_copy_whose_subscription_is_cut_fills_the_gap_from_the_log(processes, redis_server: RedisServer) -> None:
    owner, other = processes("owner"), processes("other")
    writer, meet_id, token, key = await create_meet(owner)
    display = await Display.open(other, meet_id, key)
    await display.follow_to(await write(writer, token, 1, 3))

    with redis.Redis.from_url(redis_server.url) as admin:
        assert admin.client_kill_filter(_type="pubsub") >= 1  # the copy's subscription
    head = await write(writer, token, 4, 5)  # announced while the copy may not listen

    await display.follow_to(head)
    assert display.views["meet"]["name"] == "Meet 8"
    assert display.seqs == sorted(display.seqs)
    assert "meet channels subscribed again" in other.logs()
    display.close()
    writer.close()


async def take_over(server: ServerProcess, meet_id: str) -> tuple[Client, str]:
    """Join on ``server`` until it serves the meet (the old owner's lease runs out first)."""
    deadline = time.monotonic() + 15
    while True:
        taker = await connect_url(server.ws_url)  # refused while another process holds the meet
        joined = await taker.request(join_message(meet_id, location="Table"))
        if joined["msgType"] == "MEET_JOINED" or time.monotonic() > deadline:
            break
        taker.close()
        await asyncio.sleep(0.2)
    assert joined["msgType"] == "MEET_JOINED", joined
    return taker, joined["sessionToken"]


@pytest.mark.gen_test(timeout=90)
async def test_after_kill_9_of_the_owner_displays_on_the_other_processes_keep_following(processes) -> None:
    owner, b, c = processes("owner"), processes("b"), processes("c")
    writer, meet_id, token, key = await create_meet(owner)
    displays = [await Display.open(server, meet_id, key) for server in (b, c)]
    before = await write(writer, token, 1, 4)
    for display in displays:
        await display.follow_to(before)

    owner.kill()
    taker, taker_token = await take_over(b, meet_id)
    head = await write(taker, taker_token, 101, 4)

    assert head == before + 4
    for display in displays:
        await display.follow_to(head)
        assert display.views["meet"]["name"] == "Meet 104"
        display.close()
    taker.close()


@pytest.mark.gen_test(timeout=60)
async def test_a_rotated_display_key_closes_the_old_keys_displays_on_every_process(processes) -> None:
    servers = [processes(name) for name in ("owner", "b", "c")]
    writer, meet_id, token, old_key = await create_meet(servers[0])
    head = await write(writer, token, 1, 2)
    displays = [await Display.open(server, meet_id, old_key) for server in servers]
    for display in displays:
        await display.follow_to(head)

    request = tornado.httpclient.HTTPRequest(
        f"http://127.0.0.1:{servers[0].port}/admin/meets/{meet_id}/display-key", method="POST", body=b"",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    )  # fmt: skip
    new_key = json.loads((await tornado.httpclient.AsyncHTTPClient().fetch(request)).body)["displayKey"]

    for display in displays:
        assert await asyncio.wait_for(display.socket.read_message(), 10) is None
        assert display.socket.close_code == 4003
    for server in servers:
        assert (await get_json(server, f"meets/{meet_id}/api/state?key={old_key}"))[0] == 403
        assert (await get_json(server, f"meets/{meet_id}/api/state?key={new_key}"))[0] == 200
    writer.close()


@pytest.mark.gen_test(timeout=90)
async def test_displays_of_an_owner_that_lost_the_meet_come_back_on_its_copy(processes) -> None:
    old, new = processes("old"), processes("new")
    writer, meet_id, token, key = await create_meet(old)
    display = await Display.open(old, meet_id, key)
    await display.follow_to(await write(writer, token, 1, 2))

    assert old.proc is not None
    old.proc.send_signal(signal.SIGSTOP)  # paused past its lease: the other process takes the meet
    try:
        taker, taker_token = await take_over(new, meet_id)
        head = await write(taker, taker_token, 101, 2)
    finally:
        old.proc.send_signal(signal.SIGCONT)

    assert await asyncio.wait_for(display.socket.read_message(), 10) is None
    assert display.socket.close_code == 1012
    again = await Display.open(old, meet_id, key)  # as the page reconnects
    await again.follow_to(head)
    assert again.views["meet"]["name"] == "Meet 102"
    assert "meet copied for displays" in old.logs()
    again.close()
    taker.close()
    writer.close()
