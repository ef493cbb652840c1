"""The per-meet display publisher, with no socket: a fake meet and fake subscribers."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from display_states import demo_state, mark
from openlifter.views.derive import compute_views
from openlifter.views.publisher import MeetPublisher, Publishers


class FakeMeet:
    def __init__(self, state: dict[str, Any]) -> None:
        self.state = state
        self.head = 1


class FakeLive:
    meet_id = "123456789"

    def __init__(self, state: dict[str, Any] | None = None) -> None:
        self.meet = FakeMeet(state if state is not None else demo_state())
        self.durable_head = 1
        self.listeners: list[Any] = []

    def change(self, apply=lambda state: None) -> None:
        """Apply a durable change and tell the listeners, as LiveMeet._commit does."""
        apply(self.meet.state)
        self.meet.head += 1
        self.durable_head = self.meet.head
        for listener in self.listeners:
            listener(self, [])


class Sink:
    def __init__(self) -> None:
        self.frames: list[str] = []
        self.closed = False
        self.fail = False

    def send(self, frame: str) -> None:
        if self.fail:
            raise ConnectionError("gone")
        self.frames.append(frame)

    def seqs(self) -> list[int]:
        return [json.loads(f)["seq"] for f in self.frames]


def frame_for(variant, views) -> str:
    current = views.lifting_for()["current"]
    return json.dumps({"seq": views.seq, "variant": variant, "current": current and current["id"]})


def publisher(live: FakeLive, coalesce: float = 0.0, **kwargs) -> MeetPublisher:
    return MeetPublisher(live, frame_for, coalesce, **kwargs)


def test_subscribe_sends_the_snapshot_at_once():
    live = FakeLive()
    pub = publisher(live)
    sink = Sink()
    assert pub.subscribe(sink, "a")
    assert [json.loads(f) for f in sink.frames] == [{"seq": 1, "variant": "a", "current": 5007}]
    assert len(pub) == 1 and live.listeners == [pub.on_change]


@pytest.mark.gen_test
async def test_a_burst_of_changes_is_one_push_with_the_latest_views():
    live = FakeLive()
    pub = publisher(live, coalesce=0.05)
    sink = Sink()
    pub.subscribe(sink, "a")
    for _ in range(5):
        live.change()
    await asyncio.sleep(0.15)
    assert sink.seqs() == [1, 6] and pub.pushes == 1


@pytest.mark.gen_test
async def test_views_are_computed_once_per_change_and_rendered_once_per_variant():
    live = FakeLive()
    computed: list[int] = []
    rendered: list[str] = []

    def compute(state, seq):
        computed.append(seq)
        return compute_views(state, seq)

    def render(variant, views):
        rendered.append(variant)
        return frame_for(variant, views)

    pub = MeetPublisher(live, render, 0.0, compute=compute)
    sinks = [Sink() for _ in range(10)]
    for i, sink in enumerate(sinks):
        pub.subscribe(sink, "ab"[i % 2])
    assert computed == [1] and sorted(rendered) == ["a", "b"]
    live.change(lambda s: mark(s, 5007, "S", 1, True))
    await asyncio.sleep(0.02)
    assert computed == [1, 2] and sorted(rendered) == ["a", "a", "b", "b"]
    assert all(json.loads(s.frames[-1])["current"] == 5004 for s in sinks)


@pytest.mark.gen_test
async def test_a_subscriber_whose_send_fails_is_dropped_there_and_then():
    live = FakeLive()
    pub = publisher(live)
    good, dead, closed = Sink(), Sink(), Sink()
    for sink in (good, dead, closed):
        pub.subscribe(sink, "a")
    dead.fail = True
    closed.closed = True
    live.change()
    await asyncio.sleep(0.02)
    assert len(pub) == 1 and good.seqs() == [1, 2]
    pub.flush()  # nothing left to drop, nothing resent
    assert good.seqs() == [1, 2]


def test_a_subscriber_that_cannot_take_the_snapshot_is_not_registered():
    pub = publisher(FakeLive())
    sink = Sink()
    sink.fail = True
    assert not pub.subscribe(sink, "a") and len(pub) == 0


@pytest.mark.gen_test
async def test_a_change_during_connect_is_seen_exactly_once():
    live = FakeLive()
    pub = publisher(live, coalesce=0.05)
    early = Sink()
    pub.subscribe(early, "a")
    live.change()  # a push is now due...
    late = Sink()
    pub.subscribe(late, "a")  # ...and this display's snapshot already has the change
    await asyncio.sleep(0.15)
    assert early.seqs() == [1, 2] and late.seqs() == [2]


def test_views_stay_at_the_durable_picture_while_a_batch_waits_for_the_disk():
    live = FakeLive()
    pub = publisher(live)
    first = pub.views()
    live.meet.head += 1  # applied in memory, not yet fsynced
    assert pub.views() is first
    live.durable_head = live.meet.head
    assert pub.views().seq == 2 and pub.computes == 2


def test_a_first_picture_taken_mid_batch_is_not_kept():
    live = FakeLive()
    pub = publisher(live)
    live.meet.head += 1  # applied in memory, not yet fsynced: it may still roll back
    first = pub.views()
    live.meet.head -= 1  # the fsync failed
    assert pub.views() is not first and pub.computes == 2


def test_a_failing_computation_keeps_the_last_views(caplog):
    live = FakeLive()
    calls = []

    def compute(state, seq):
        calls.append(seq)
        if len(calls) > 1:
            raise RuntimeError("bug")
        return compute_views(state, seq)

    pub = publisher(live, compute=compute)
    first = pub.views()
    live.change()
    assert pub.views() is first
    assert "computing the live views failed" in caplog.text


def test_nobody_subscribed_means_nothing_computed():
    live = FakeLive()
    pub = publisher(live)
    live.change()
    live.change()
    assert pub.computes == 0 and pub.pushes == 0


def test_publishers_attach_once_per_meet():
    publishers = Publishers(frame_for, 0.0)
    live = FakeLive()
    first = publishers.attach(live)
    assert publishers.attach(live) is first and publishers.of(live) is first
    assert live.listeners == [first.on_change]
