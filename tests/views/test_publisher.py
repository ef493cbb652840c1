"""The per-meet display publisher, with no socket: a stand-in meet and collecting displays."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import jsonpatch
import pytest

from display_states import demo_state, entry_index
from openlifter.meet.jsonvalue import set_in
from openlifter.meet.keys import parse_accepted_key
from openlifter.views.derive import compute_views
from openlifter.views.feed import feed_for
from openlifter.views.host import ViewHost, ViewService
from openlifter.views.publisher import MeetPublisher, Publishers
from openlifter.views.worker import InProcessChannel

ERIK = 5007


class Entry:
    def __init__(self, key: str, value: Any) -> None:
        self.key = key
        self.value = value


class FakeMeet:
    def __init__(self, state: dict[str, Any]) -> None:
        self.state = state
        self.head = 1


class FakeLive:
    """What the publisher reads of a LiveMeet: the state, its heads and the listeners."""

    meet_id = "123456789"

    def __init__(self, state: dict[str, Any] | None = None) -> None:
        self.meet = FakeMeet(state if state is not None else demo_state())
        self.durable_head = 1
        self.listeners: list[Any] = []

    def change(self, key: str = "live.clock", value: Any = 0) -> None:
        """Apply a durable change and tell the listeners, as LiveMeet._commit does."""
        set_in(self.meet.state, parse_accepted_key(key), value)
        self.meet.head += 1
        self.durable_head = self.meet.head
        for listener in self.listeners:
            listener(self, [Entry(key, value)])

    def mark_erik(self) -> None:
        self.change(f"registration.entries[{entry_index(self.meet.state, ERIK)}].squatStatus[0]", 1)


class Display:
    def __init__(self) -> None:
        self.frames: list[dict[str, Any]] = []
        self.closed = False
        self.fail = False

    def send(self, frame: str) -> None:
        if self.fail:
            raise ConnectionError("gone")
        self.frames.append(json.loads(frame))

    def seqs(self) -> list[int]:
        return [f["seq"] for f in self.frames]

    def views(self) -> Any:
        """The views as a client holds them: the snapshot with every patch applied."""
        held = None
        for frame in self.frames:
            held = frame["views"] if frame["msgType"] == "MEET_VIEWS" else jsonpatch.apply_patch(held, frame["patch"])
        return held


def json_feeds(variant, views):
    return feed_for(None, variant, views)  # not a page: the JSON views, no renderer needed


OPEN: list[Publishers] = []


@pytest.fixture(autouse=True)
def close_publishers():
    yield
    while OPEN:
        OPEN.pop().close()


def publisher(live: Any, coalesce: float = 0.0, feeds=json_feeds) -> MeetPublisher:
    """The publisher of ``live``, its views made by the view service on this IOLoop
    (``view_workers = 0``): the same messages as to a worker process."""

    def in_process(source, sink):
        return InProcessChannel(ViewService(ViewHost(feeds, None), coalesce), 1 << 20, source, sink)

    OPEN.append(Publishers(in_process, 0))
    return OPEN[-1].attach(live)


async def watched(coalesce: float = 0.0) -> tuple[FakeLive, MeetPublisher, Display]:
    """A meet with one JSON display that holds its first snapshot."""
    live = FakeLive()
    pub = publisher(live, coalesce)
    display = Display()
    pub.subscribe(display, "json")
    await settle(pub)
    return live, pub, display


def host_of(pub: MeetPublisher) -> ViewHost:
    channel = pub.channel
    assert isinstance(channel, InProcessChannel)
    return channel.service.host


async def settle(pub: MeetPublisher) -> None:
    """Until the view service has nothing left to do and its frames are delivered."""
    channel = pub.channel
    assert isinstance(channel, InProcessChannel)
    for _ in range(200):
        await asyncio.sleep(0.005)
        busy = channel._timer is not None or (channel._task is not None and not channel._task.done())
        if not busy and not channel._outbox:
            return


@pytest.mark.gen_test
async def test_the_first_display_gets_its_snapshot_with_the_first_round():
    live = FakeLive()
    pub = publisher(live)
    display = Display()
    assert pub.subscribe(display, "json") and display.frames == []
    await settle(pub)
    assert [f["msgType"] for f in display.frames] == ["MEET_VIEWS"] and display.seqs() == [1]
    assert display.views() == json.loads(json.dumps(compute_views(live.meet.state, 1).to_json()))


@pytest.mark.gen_test
async def test_a_later_display_gets_the_latest_snapshot_at_once():
    live = FakeLive()
    pub = publisher(live)
    pub.subscribe(Display(), "json")
    await settle(pub)
    late = Display()
    assert pub.subscribe(late, "json") and late.seqs() == [1] and late.frames[0]["msgType"] == "MEET_VIEWS"


@pytest.mark.gen_test
async def test_every_frame_carries_the_server_time():
    live, pub, display = await watched()
    live.mark_erik()
    await settle(pub)
    now = time.time() * 1000
    assert len(display.frames) == 2 and all(abs(f["serverTime"] - now) < 60_000 for f in display.frames)


@pytest.mark.gen_test
async def test_after_the_snapshot_a_display_gets_patches_that_rebuild_the_views():
    live, pub, display = await watched()
    live.mark_erik()
    await settle(pub)
    assert [f["msgType"] for f in display.frames] == ["MEET_VIEWS", "MEET_VIEWS_PATCH"]
    assert display.frames[1]["fromSeq"] == 1 and display.frames[1]["seq"] == 2
    assert display.views() == json.loads(json.dumps(compute_views(live.meet.state, 2).to_json()))


@pytest.mark.gen_test
async def test_a_burst_of_changes_is_one_round_and_one_push():
    live, pub, display = await watched(coalesce=0.05)
    rounds, pushes = pub.rounds, pub.pushes
    for _ in range(5):
        live.change()
    await settle(pub)
    assert display.seqs() == [1, 6] and (pub.rounds, pub.pushes) == (rounds + 1, pushes + 1)


@pytest.mark.gen_test
async def test_each_variant_makes_its_frame_once_per_change_whatever_its_displays():
    live = FakeLive()
    made: list[str] = []

    def counting(variant, views):
        made.append(variant)
        return json_feeds(variant, views)

    pub = publisher(live, feeds=counting)
    displays = [Display() for _ in range(10)]
    for i, display in enumerate(displays):
        pub.subscribe(display, "ab"[i % 2])
    await settle(pub)
    live.mark_erik()
    await settle(pub)
    assert sorted(made) == ["a", "b"] and pub.rounds == 2
    frames = {json.dumps(d.frames[-1]["patch"]) for d in displays}
    assert len(frames) == 1 and all(d.seqs() == [1, 2] for d in displays)


@pytest.mark.gen_test
async def test_a_display_whose_send_fails_is_dropped_there_and_then():
    live = FakeLive()
    pub = publisher(live)
    good, dead, closed = Display(), Display(), Display()
    for display in (good, dead, closed):
        pub.subscribe(display, "json")
    await settle(pub)
    dead.fail = True
    closed.closed = True
    live.change()
    await settle(pub)
    assert len(pub) == 1 and good.seqs() == [1, 2]


@pytest.mark.gen_test
async def test_a_display_that_cannot_take_the_snapshot_is_not_registered():
    pub = publisher(FakeLive())
    pub.subscribe(Display(), "json")
    await settle(pub)
    display = Display()
    display.fail = True
    assert not pub.subscribe(display, "json") and len(pub) == 1


@pytest.mark.gen_test
async def test_a_change_during_connect_is_seen_exactly_once():
    live = FakeLive()
    pub = publisher(live, coalesce=0.05)
    early = Display()
    pub.subscribe(early, "json")
    await settle(pub)
    live.mark_erik()  # a round is now due...
    late = Display()
    pub.subscribe(late, "json")  # ...this display's snapshot is from before it: the patch follows
    await settle(pub)
    assert early.seqs() == [1, 2] and late.seqs() == [1, 2] and late.views() == early.views()


@pytest.mark.gen_test
async def test_a_display_that_missed_a_frame_gets_a_snapshot_not_a_patch():
    live, pub, display = await watched()
    pub._sent_seq[display] = 0  # as if a frame had been lost on the way
    live.mark_erik()
    await settle(pub)
    assert [f["msgType"] for f in display.frames] == ["MEET_VIEWS", "MEET_VIEWS"] and display.seqs() == [1, 2]


@pytest.mark.gen_test
async def test_the_state_is_only_read_while_it_is_durable():
    live = FakeLive()
    live.meet.head += 1  # a batch applied in memory, its fsync not done
    pub = publisher(live)
    display = Display()
    pub.subscribe(display, "json")
    await asyncio.sleep(0.05)
    assert display.frames == []  # the worker's copy is not taken yet
    live.meet.head -= 1  # the fsync failed and the batch was rolled back
    await settle(pub)
    assert display.seqs() == [1]


@pytest.mark.gen_test
async def test_an_answer_is_at_least_at_the_durable_head():
    live = FakeLive()
    pub = publisher(live)
    status, body = await pub.answer(("api", "views", {}))
    assert status == 200 and json.loads(body)["seq"] == 1
    live.mark_erik()
    status, body = await pub.answer(("api", "views", {}))
    assert json.loads(body)["seq"] == 2
    assert json.loads(body)["views"] == json.loads(json.dumps(compute_views(live.meet.state, 2).to_json()))


@pytest.mark.gen_test
async def test_nobody_watching_means_nothing_derived():
    live = FakeLive()
    pub = publisher(live)
    live.change()
    live.change()
    await asyncio.sleep(0.02)
    assert pub.rounds == 0 and pub.pushes == 0 and host_of(pub).derived == 0


@pytest.mark.gen_test
async def test_publishers_attach_once_per_meet():
    publishers = Publishers(lambda source, sink: InProcessChannel(ViewService(ViewHost(json_feeds, None), 0.0), 1 << 20, source, sink), 0)
    OPEN.append(publishers)
    live = FakeLive()
    first = publishers.attach(live)
    assert publishers.attach(live) is first and publishers.of(live) is first
    assert live.listeners == [first.on_change]
