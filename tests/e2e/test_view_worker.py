"""The views are made in a view worker process (issue 10): relays never wait for it, it
can die and come back with the displays resuming, and the channel to it is bounded."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
from typing import Any

import jsonpatch
import pytest

from display_states import create_live_meet, demo_state, mark, national_state
from support import BASE_URL, join_message, update, update_message

ERIK = 5007
CHANNEL_BYTES = 16 * 1024


@pytest.fixture
def config_overrides():
    return {"view_workers": 1, "feed_coalesce_seconds": 0.0, "view_worker_channel_bytes": CHANNEL_BYTES}


def view_channel(app: Any) -> Any:
    return app.settings["openlifter_publishers"].channels[0]


async def worker_pid(app: Any) -> int:
    channel = view_channel(app)
    for _ in range(200):
        if channel.process is not None and channel.process.pid:
            return channel.process.pid
        await asyncio.sleep(0.01)
    raise AssertionError("no view worker started")


class SmallMeet:
    """A meet with a table that sends and a second location that listens for relays."""

    def __init__(self, table: Any, listener: Any, token: str) -> None:
        self.table, self.listener, self.token, self.local = table, listener, token, 0

    @classmethod
    async def create(cls, ws_connect: Any) -> "SmallMeet":
        handle = await create_live_meet(await ws_connect(), demo_state())
        listener = await ws_connect()
        joined = await listener.request(join_message(handle.meet_id))
        assert joined["msgType"] == "MEET_JOINED"
        return cls(handle.client, listener, handle.token)

    async def relay_seconds(self) -> float:
        """From sending an update to its UPDATE_RELAY at the other location."""
        self.local += 1
        started = time.perf_counter()
        await self.table.send(update_message(self.token, update("live.clock", self.local, self.local + 100)))
        relay = await self.listener.recv(5)
        assert relay["msgType"] == "UPDATE_RELAY", relay
        seconds = time.perf_counter() - started
        assert (await self.table.recv(5))["msgType"] == "UPDATE_ACK"
        return seconds


def held_views(frames: list[dict[str, Any]]) -> Any:
    held = None
    for frame in frames:
        held = frame["views"] if frame["msgType"] == "MEET_VIEWS" else jsonpatch.apply_patch(held, frame["patch"])
    return held


async def api_views(http_client: Any, base_url: str, path: str) -> dict[str, Any]:
    response = await http_client.fetch(f"{base_url}{BASE_URL}{path}")
    return json.loads(response.body)


@pytest.mark.gen_test(timeout=30)
async def test_a_small_meets_relay_does_not_wait_for_a_national_meets_views(http_client, base_url, ws_connect):
    small = await SmallMeet.create(ws_connect)
    alone = [await small.relay_seconds() for _ in range(5)]
    national = await create_live_meet(await ws_connect(), national_state(1000))
    # Side by side: every view of 1,000 lifters made from scratch (the worker's first copy)
    # and encoded, while the small meet relays.
    answer = asyncio.ensure_future(api_views(http_client, base_url, national.path("api/views")))
    started = time.perf_counter()
    beside = []
    while not answer.done():
        beside.append(await small.relay_seconds())
    views_seconds = time.perf_counter() - started
    assert (await answer)["seq"] == national.head
    assert len(beside) >= 3, (views_seconds, beside)  # relays went on while the views were made
    assert sorted(beside)[len(beside) // 2] < max(views_seconds / 3, 5 * max(alone)), (views_seconds, alone, beside)


@pytest.mark.gen_test(timeout=30)
async def test_relays_go_on_while_the_view_worker_is_stopped_and_displays_catch_up_after(app, ws_connect):
    state = demo_state()
    meet = await create_live_meet(await ws_connect(), state)
    display = await ws_connect(meet.path("feed"))
    frames = [await display.recv()]
    small = await SmallMeet.create(ws_connect)
    pid = await worker_pid(app)
    os.kill(pid, signal.SIGSTOP)  # view work that never ends
    try:
        await meet.change(mark(state, ERIK, "S", 1, True))
        assert max([await small.relay_seconds() for _ in range(5)]) < 1.0
        await display.expect_silence(0.2)
    finally:
        os.kill(pid, signal.SIGCONT)
    frames.append(await display.recv(5))
    assert frames[-1]["msgType"] == "MEET_VIEWS_PATCH" and frames[-1]["fromSeq"] == frames[0]["seq"]
    assert frames[-1]["seq"] == meet.head


@pytest.mark.gen_test(timeout=30)
async def test_a_killed_view_worker_is_restarted_and_displays_resume_with_a_snapshot(app, http_client, base_url, ws_connect):
    state = demo_state()
    meet = await create_live_meet(await ws_connect(), state)
    display = await ws_connect(meet.path("feed"))
    overlay = await ws_connect(meet.path("feed", view="overlay"))
    frames = [await display.recv()]
    assert (await overlay.recv())["msgType"] == "VIEW_UPDATE"
    small = await SmallMeet.create(ws_connect)
    os.kill(await worker_pid(app), signal.SIGKILL)
    await meet.change(mark(state, ERIK, "S", 1, True))  # acknowledged: relays never wait for the views
    assert await small.relay_seconds() < 1.0
    frames.append(await display.recv(10))
    assert frames[-1]["msgType"] == "MEET_VIEWS" and frames[-1]["seq"] == meet.head  # a fresh snapshot
    page = await overlay.recv(10)
    assert page["msgType"] == "VIEW_UPDATE" and "fromSeq" not in page and page["seq"] == meet.head
    assert view_channel(app).restarts == 1
    await meet.change(mark(state, 5004, "S", 1, False))
    frames.append(await display.recv(5))
    assert frames[-1]["msgType"] == "MEET_VIEWS_PATCH" and frames[-1]["fromSeq"] == frames[-2]["seq"]
    assert held_views(frames) == (await api_views(http_client, base_url, meet.path("api/views")))["views"]


@pytest.mark.gen_test(timeout=30)
@pytest.mark.parametrize("config_overrides", [{"view_workers": 1, "feed_coalesce_seconds": 0.0, "view_worker_stall_seconds": 1.0}], ids=["stall-1s"])
async def test_a_view_worker_that_stops_answering_is_killed_and_replaced_and_displays_and_pages_resume(app, http_client, base_url, ws_connect):
    state = demo_state()
    meet = await create_live_meet(await ws_connect(), state)
    display = await ws_connect(meet.path("feed"))
    frames = [await display.recv()]
    channel = view_channel(app)
    pid = await worker_pid(app)
    os.kill(pid, signal.SIGSTOP)  # hung: alive, never answering
    try:
        await meet.change(mark(state, ERIK, "S", 1, True))
        answer = asyncio.ensure_future(api_views(http_client, base_url, meet.path("api/views")))  # waits for a worker
        frames.append(await display.recv(10))
    finally:
        with contextlib.suppress(ProcessLookupError):  # killed and reaped: gone
            os.kill(pid, signal.SIGCONT)
    assert frames[-1]["msgType"] == "MEET_VIEWS" and frames[-1]["seq"] == meet.head  # a fresh snapshot from the new worker
    assert channel.stalls == 1 and channel.restarts == 1 and channel.process.pid != pid
    assert (await answer)["views"] == frames[-1]["views"]


@pytest.mark.gen_test(timeout=30)
async def test_rounds_for_a_worker_that_falls_behind_stay_within_the_channel_bound(app, http_client, base_url, ws_connect):
    meet = await create_live_meet(await ws_connect(), demo_state())
    display = await ws_connect(meet.path("feed"))
    frames = [await display.recv()]
    channel = view_channel(app)
    pid = await worker_pid(app)
    os.kill(pid, signal.SIGSTOP)
    try:
        for n in range(60):  # 60 rounds of 1 KB each, four times what the channel holds
            await meet.change(("live.memo", f"{n:04d}" + "x" * 1000))
            in_flight, unsent = channel.backlog()
            assert in_flight <= CHANNEL_BYTES + 2048 and unsent <= CHANNEL_BYTES
        assert channel.overflows >= 1
    finally:
        os.kill(pid, signal.SIGCONT)
    while frames[-1]["seq"] != meet.head:
        frames.append(await display.recv(5))
    assert all(f["msgType"] == "MEET_VIEWS_PATCH" for f in frames[1:])  # the chain held: patches spanning several seqs
    assert held_views(frames) == (await api_views(http_client, base_url, meet.path("api/views")))["views"]


@pytest.mark.gen_test(timeout=30)
@pytest.mark.parametrize("config_overrides", [{"view_workers": 0}, {"view_workers": 2}], ids=["on-the-event-loop", "two-workers"])
async def test_displays_and_the_api_follow_the_meets_with_any_number_of_view_workers(app, http_client, base_url, ws_connect, config_overrides):
    meets, displays = [], []
    for _ in range(3):
        state = demo_state()
        meet = await create_live_meet(await ws_connect(), state)
        display = await ws_connect(meet.path("feed"))
        meets.append((meet, state))
        displays.append([await display.recv()])
        await meet.change(mark(state, ERIK, "S", 1, True))
        displays[-1].append(await display.recv(5))
    publishers = app.settings["openlifter_publishers"]
    assert len(publishers.channels) == max(1, config_overrides["view_workers"])
    for (meet, _), frames in zip(meets, displays):
        assert frames[-1]["msgType"] == "MEET_VIEWS_PATCH" and frames[-1]["seq"] == meet.head
        assert held_views(frames) == (await api_views(http_client, base_url, meet.path("api/views")))["views"]
