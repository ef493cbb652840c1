"""The display feed on a real server: snapshot on connect, one push per burst of updates,
resync on reconnect, dead displays dropped, 403 before the upgrade."""

from __future__ import annotations

import asyncio
import json

import jsonpatch
import pytest
import tornado.httpclient

from display_states import create_live_meet, declare, demo_state, mark
from support import BASE_URL
from support import each_store  # noqa: F401  (every test here runs on the file store and the redis store)

ERIK, OSKAR, PIETER = 5007, 5004, 5002


@pytest.fixture
def config_overrides():
    return {"feed_coalesce_seconds": 0.2, "max_connections_per_meet": 6}


def publisher_of(app, meet):
    live = app.settings["openlifter_registry"].loaded(meet.meet_id)
    return app.settings["openlifter_publishers"].of(live)


async def frames_within(client, seconds):
    frames = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while (left := deadline - loop.time()) > 0:
        try:
            frames.append(await client.recv(left))
        except asyncio.TimeoutError:
            break
    return frames


@pytest.mark.gen_test
async def test_a_display_gets_the_snapshot_on_connect(ws_connect):
    meet = await create_live_meet(await ws_connect())
    display = await ws_connect(meet.path("feed", view="overlay", parts="lowerthird,next"))
    frame = await display.recv()
    assert frame["msgType"] == "VIEW_UPDATE" and frame["view"] == "overlay" and frame["seq"] == meet.head
    assert list(frame["fragments"]) == ["next", "lowerthird"]
    assert "Erik Sandberg" in frame["fragments"]["lowerthird"]


@pytest.mark.gen_test
async def test_a_marked_attempt_reaches_the_display(ws_connect):
    state = demo_state()
    meet = await create_live_meet(await ws_connect(), state)
    display = await ws_connect(meet.path("feed", view="scoreboard"))
    await display.recv()
    await meet.change(mark(state, ERIK, "S", 1, True))
    frame = await display.recv(2)
    assert frame["seq"] == meet.head
    assert set(frame["fragments"]) == {"header", "current", "order", "standings"}
    assert "Oskar Lindqvist" in frame["fragments"]["current"] and "2nd attempt" in frame["fragments"]["header"]


@pytest.mark.gen_test
async def test_a_burst_of_updates_is_pushed_once(app, ws_connect):
    state = demo_state()
    meet = await create_live_meet(await ws_connect(), state)
    displays = [await ws_connect(meet.path("feed", view="overlay")) for _ in range(3)]
    for display in displays:
        await display.recv()
    before = publisher_of(app, meet).pushes
    changes = [mark(state, ERIK, "S", 1, True), declare(state, ERIK, "S", 2, 240),
               mark(state, OSKAR, "S", 2, False), mark(state, PIETER, "S", 2, True)]
    for change in changes:  # four messages, four commits
        await meet.change(change, wait=False)
    for _ in changes:
        ack = await meet.client.recv()
        meet.head = max(meet.head, *(a["serverSeqNum"] for a in ack["updateAcks"]))
    for display in displays:
        frames = await frames_within(display, 0.6)
        assert [f["seq"] for f in frames] == [meet.head]
    assert publisher_of(app, meet).pushes == before + 1


@pytest.mark.gen_test
async def test_views_are_rendered_once_per_change_not_per_display(app, ws_connect):
    state = demo_state()
    meet = await create_live_meet(await ws_connect(), state)
    displays = [await ws_connect(meet.path("feed", view="overlay")) for _ in range(4)]
    for display in displays:
        await display.recv()
    publisher = publisher_of(app, meet)
    rounds, pushes = publisher.rounds, publisher.pushes
    await meet.change(mark(state, ERIK, "S", 1, True))
    for display in displays:
        await display.recv(2)
    assert publisher.rounds == rounds + 1 and publisher.pushes == pushes + 1


@pytest.mark.gen_test
async def test_a_json_display_applying_the_patches_holds_what_the_api_serves(http_client, base_url, ws_connect):
    state = demo_state()
    meet = await create_live_meet(await ws_connect(), state)
    display = await ws_connect(meet.path("feed"))
    snapshot = await display.recv()
    assert snapshot["msgType"] == "MEET_VIEWS" and isinstance(snapshot["serverTime"], int)
    held, seq = snapshot["views"], snapshot["seq"]
    await meet.change(mark(state, ERIK, "S", 1, True))
    await meet.change(declare(state, ERIK, "S", 2, 240), mark(state, OSKAR, "S", 2, False))
    while seq != meet.head:
        frame = await display.recv(2)
        assert frame["msgType"] == "MEET_VIEWS_PATCH" and frame["fromSeq"] == seq and "serverTime" in frame
        held, seq = jsonpatch.apply_patch(held, frame["patch"]), frame["seq"]
    response = await http_client.fetch(f"{base_url}{BASE_URL}{meet.path('api/views')}")
    assert held == json.loads(response.body)["views"]


@pytest.mark.gen_test
async def test_a_page_display_gets_only_changed_fragments_after_its_snapshot(ws_connect):
    state = demo_state()
    meet = await create_live_meet(await ws_connect(), state)
    display = await ws_connect(meet.path("feed", view="overlay", parts="lowerthird,standings", platform="2"))
    snapshot = await display.recv()
    assert set(snapshot["fragments"]) == {"lowerthird", "standings"} and "fromSeq" not in snapshot
    await meet.change(mark(state, ERIK, "S", 1, True))  # on platform 1: nothing of this page changes
    frame = await display.recv(2)
    assert frame["fromSeq"] == snapshot["seq"] and frame["seq"] == meet.head and frame["fragments"] == {}


@pytest.mark.gen_test
async def test_an_update_during_connect_is_seen_exactly_once(ws_connect):
    state = demo_state()
    meet = await create_live_meet(await ws_connect(), state)
    display, _ = await asyncio.gather(
        ws_connect(meet.path("feed", view="overlay")), meet.change(mark(state, ERIK, "S", 1, True)))
    frames = await frames_within(display, 0.6)
    seqs = [f["seq"] for f in frames]
    assert seqs[-1] == meet.head and seqs == sorted(set(seqs))
    assert "Oskar Lindqvist" in frames[-1]["fragments"]["lowerthird"]


@pytest.mark.gen_test
async def test_a_reconnecting_display_catches_up(ws_connect):
    state = demo_state()
    meet = await create_live_meet(await ws_connect(), state)
    display = await ws_connect(meet.path("feed", view="overlay"))
    assert "Erik Sandberg" in (await display.recv())["fragments"]["lowerthird"]
    display.close()
    await meet.change(mark(state, ERIK, "S", 1, True))
    await meet.change(mark(state, OSKAR, "S", 2, True))
    again = await ws_connect(meet.path("feed", view="overlay"))
    frames = await frames_within(again, 0.6)  # the last snapshot, then what changed since
    page = {name: html for frame in frames for name, html in frame["fragments"].items()}
    assert frames[-1]["seq"] == meet.head and "Pieter van den Berg" in page["lowerthird"]


@pytest.mark.gen_test
async def test_a_killed_display_is_dropped_by_the_next_broadcast(app, ws_connect):
    state = demo_state()
    meet = await create_live_meet(await ws_connect(), state)
    alive = await ws_connect(meet.path("feed", view="overlay"))
    killed = await ws_connect(meet.path("feed", view="overlay"))
    await alive.recv()
    await killed.recv()
    publisher = publisher_of(app, meet)
    assert len(publisher) == 2
    killed.conn.protocol.stream.close()  # gone without a close frame
    await meet.change(mark(state, ERIK, "S", 1, True))
    assert (await alive.recv(2))["seq"] == meet.head
    assert len(publisher) == 1


@pytest.mark.gen_test
@pytest.mark.parametrize("query", ["key=wrong", "", "key=", "FOREIGN", "UNKNOWN"])
async def test_the_feed_refuses_a_bad_key_before_the_upgrade(ws_connect, query):
    meet = await create_live_meet(await ws_connect())
    other = await create_live_meet(await ws_connect())
    meet_id = "999999999" if query == "UNKNOWN" else meet.meet_id
    query = {"FOREIGN": f"key={other.display_key}", "UNKNOWN": f"key={meet.display_key}"}.get(query, query)
    with pytest.raises(tornado.httpclient.HTTPClientError) as refused:
        await ws_connect(f"meets/{meet_id}/feed?{query}&view=overlay")
    assert refused.value.code == 403


@pytest.mark.gen_test
async def test_too_many_displays_are_refused(ws_connect):
    meet = await create_live_meet(await ws_connect())
    for _ in range(6):
        await (await ws_connect(meet.path("feed"))).recv()
    with pytest.raises(tornado.httpclient.HTTPClientError) as refused:
        await ws_connect(meet.path("feed"))
    assert refused.value.code == 503


@pytest.mark.gen_test
async def test_shutdown_closes_displays(app, ws_connect):
    meet = await create_live_meet(await ws_connect())
    display = await ws_connect(meet.path("feed"))
    await display.recv()
    app.settings["openlifter_sockets"].close_all(1001, "server shutting down")
    assert await display.recv(2) is None
    assert display.conn.close_code == 1001


@pytest.mark.gen_test
async def test_a_display_that_cannot_keep_up_is_closed():
    from openlifter.config import Config
    from openlifter.handlers.feed import _Display
    from openlifter.protocol.outgoing import OutgoingQueue

    cap = Config().max_pending_display_frames

    stuck = asyncio.get_running_loop().create_future()  # a write that never completes
    closed: list[int] = []

    class Connection:
        def is_closing(self) -> bool:
            return False

    class Socket:
        ws_connection = Connection()

    display = _Display(OutgoingQueue(lambda frame: stuck, lambda code, reason: closed.append(code), cap, 1 << 30), Socket())
    display.send("first")
    await asyncio.sleep(0)  # the writer takes it and waits on the socket
    for _ in range(cap):
        display.send("queued")
    assert not display.closed
    display.send("one too many")
    assert closed == [1008] and display.closed
    with pytest.raises(ConnectionError):
        display.send("after")
    stuck.set_result(None)
