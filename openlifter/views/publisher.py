"""Display feed fan-out: one publisher per meet sends every display what changed since its
last frame; the view work itself runs in a view worker (``views/worker.py``,
``views/host.py``), off the IOLoop, so a relay never waits for a view (SPEC 4.3).

No Tornado here. A subscriber is anything with a non-blocking ``send(frame)`` that raises
when the frame cannot be queued, and a ``closed`` flag (the feed handler wraps its socket's
bounded OutgoingQueue). What a publisher does on the IOLoop is small:

1. it attaches its meet to the worker the first time views are needed (the durable state,
   read while no batch waits for its fsync), then ships the entries of every durable round
   (``listeners``), so nothing a failed fsync rolls back is ever shown;
2. a display subscribes with no await in between snapshot and subscription: it gets the
   latest snapshot of its variant at once if the publisher holds one (until the next frame
   of that variant), else the publisher asks the worker for one and the display waits for
   it; one ordered channel per worker means the frames that come after the snapshot
   follow on from it;
3. the frames the worker sends back (a snapshot, or an update ``fromSeq`` -> ``seq`` per
   variant, encoded once) are stamped with ``serverTime`` and queued to each display, in
   chunks; a display whose seq is not the update's ``fromSeq`` is asked a snapshot for;
4. page first renders and ``/api/...`` answers are asked of the worker too, at least at the
   durable head as of the request.

A worker that dies is started again: the publishers re-attach their meets from the
durable state and every display gets a fresh snapshot.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import zlib
from typing import TYPE_CHECKING, Any, Callable, Hashable, Protocol

from openlifter.views.feed import stamp
from openlifter.views.worker import FrameSink, StateSource, ViewChannel

if TYPE_CHECKING:
    from openlifter.storage.store import LogEntry

log = logging.getLogger(__name__)

SEND_CHUNK = 100  # displays sent to between two yields
ASK_TIMEOUT_SECONDS = 30.0  # a page or API request to a worker that does not answer (stopped, restarting) gets 503

# (where to read durable states, where frames go) -> the channel to one view service
ChannelMaker = Callable[[StateSource, FrameSink], ViewChannel]


class Subscriber(Protocol):
    @property
    def closed(self) -> bool: ...

    def send(self, frame: str) -> None: ...


class MeetState(Protocol):
    @property
    def state(self) -> dict[str, Any]: ...

    @property
    def head(self) -> int: ...


class PublishedMeet(Protocol):
    """The seam between a meet and its publisher (a LiveMeet, or a read-only replica of one):
    ``listeners`` are called with the entries of every durable round, in seq order."""

    @property
    def meet_id(self) -> str: ...

    @property
    def durable_head(self) -> int: ...

    @property
    def meet(self) -> MeetState: ...

    @property
    def listeners(self) -> list[Callable[[Any, "list[LogEntry]"], None]]: ...


def server_time_ms() -> int:
    return int(time.time() * 1000)


def durable_state(live: PublishedMeet) -> tuple[int, dict[str, Any]] | None:
    """The meet's state and its seq if no batch waits between apply and fsync, else None."""
    meet = live.meet
    return (live.durable_head, meet.state) if meet.head == live.durable_head else None


class MeetPublisher:
    def __init__(self, live: PublishedMeet, channel: ViewChannel) -> None:
        self.live = live
        self.channel = channel
        self._subscribers: dict[Subscriber, Hashable] = {}
        self._sent_seq: dict[Subscriber, int | None] = {}  # None: waits for a snapshot
        self._by_variant: dict[Hashable, dict[Subscriber, None]] = {}
        self._snapshots: dict[Hashable, tuple[int, str]] = {}  # variant -> its latest snapshot, until a frame follows it
        self._wanting: set[Hashable] = set()  # variants whose snapshot was asked for
        self._attached = False
        self._asking = 0
        self.rounds = 0  # how many times the worker derived the views for this meet's displays (tests, metrics)
        self.pushes = 0  # how many sets of frames reached displays
        live.listeners.append(self.on_change)

    # ---- the worker's copy of the meet -------------------------------------------------

    def _attach(self) -> None:
        if not self._attached:
            self._attached = True
            self.channel.attach(self.live.meet_id)

    def on_change(self, live: Any, entries: "list[LogEntry]") -> None:
        """A meet listener, called after each durable round: ship its entries."""
        if self._attached and entries:
            self.channel.apply(self.live.meet_id, self.live.durable_head, [(entry.key, entry.value) for entry in entries])

    def reattach(self) -> None:
        """The worker was started again: attach anew if views are needed, and every display
        waits for a fresh snapshot."""
        self._attached = False
        self._snapshots.clear()
        self._wanting.clear()
        if self._subscribers or self._asking:
            self._attach()
        for subscriber in self._subscribers:
            self._sent_seq[subscriber] = None
        for variant in self._by_variant:
            self._want(variant)

    async def answer(self, question: tuple[Any, ...]) -> tuple[int, str]:
        """A page or API answer, at least at the durable head as of this call: (status,
        body) or (status, reason)."""
        self._asking += 1
        try:
            self._attach()
            return await asyncio.wait_for(self.channel.ask(self.live.meet_id, self.live.durable_head, question), ASK_TIMEOUT_SECONDS)
        except asyncio.TimeoutError:
            return 503, "the live views are not ready"
        finally:
            self._asking -= 1

    # ---- subscribers ------------------------------------------------------------------

    def subscribe(self, subscriber: Subscriber, variant: Hashable) -> bool:
        """Send the latest snapshot (or ask for one) and register, with no await in between.
        False (and not registered) when the snapshot could not even be queued."""
        snapshot = self._snapshots.get(variant)
        try:
            if snapshot is not None:
                subscriber.send(stamp(snapshot[1], server_time_ms()))
        except Exception:
            log.warning("a display could not take its first snapshot", exc_info=True, extra={"meetId": self.live.meet_id})
            return False
        if subscriber.closed:
            return False
        self._subscribers[subscriber] = variant
        self._by_variant.setdefault(variant, {})[subscriber] = None
        self._sent_seq[subscriber] = snapshot[0] if snapshot is not None else None
        if snapshot is None:
            self._want(variant)
        return True

    def _want(self, variant: Hashable) -> None:
        self._attach()
        if variant not in self._wanting:
            self._wanting.add(variant)
            self.channel.post(("want", self.live.meet_id, variant))

    def unsubscribe(self, subscriber: Subscriber) -> None:
        variant = self._subscribers.pop(subscriber, None)
        self._sent_seq.pop(subscriber, None)
        same = self._by_variant.get(variant)
        if same is None:
            return
        same.pop(subscriber, None)
        if not same:  # the last display of its variant: the worker stops making its frames
            del self._by_variant[variant]
            self._snapshots.pop(variant, None)
            self._wanting.discard(variant)
            if self._attached:
                self.channel.post(("drop", self.live.meet_id, variant))

    def __len__(self) -> int:
        return len(self._subscribers)

    def disconnect_all(self, code: int, reason: str) -> None:
        """Close every display (e.g. its key was rotated): they must come back with a key."""
        for subscriber in list(self._subscribers):
            self.unsubscribe(subscriber)
            disconnect = getattr(subscriber, "disconnect", None)
            if disconnect is not None:
                disconnect(code, reason)

    # ---- sending ----------------------------------------------------------------------

    async def on_frames(self, derived: int, frames: list[tuple[Hashable, int | None, int, str]]) -> None:
        """Frames from the worker, in the order it made them: each to the displays it
        follows on for."""
        self.rounds += derived
        now = server_time_ms()
        delivered = 0
        for variant, from_seq, seq, text in frames:
            if from_seq is None:
                self._wanting.discard(variant)
                self._snapshots[variant] = (seq, text)
            else:
                self._snapshots.pop(variant, None)
            stamped: str | None = None
            for subscriber in list(self._by_variant.get(variant, ())):
                if subscriber not in self._subscribers:
                    continue  # left during a yield
                sent = self._sent_seq.get(subscriber)
                if sent == seq or (from_seq is not None and sent is None):
                    continue  # holds it already, or its snapshot is on the way
                if from_seq is not None and sent != from_seq:  # it missed a frame: a snapshot
                    self._sent_seq[subscriber] = None
                    self._want(variant)
                    continue
                stamped = stamped or stamp(text, now)
                self._deliver(subscriber, stamped, seq)
                delivered += 1
                if delivered % SEND_CHUNK == 0:
                    await asyncio.sleep(0)
        if delivered:
            self.pushes += 1

    def _deliver(self, subscriber: Subscriber, frame: str, seq: int) -> None:
        try:
            if subscriber.closed:
                raise ConnectionError("closed")
            subscriber.send(frame)
        except Exception:
            self.unsubscribe(subscriber)  # a dead display is dropped there and then
            return
        if subscriber.closed:
            self.unsubscribe(subscriber)
            return
        self._sent_seq[subscriber] = seq

    def close(self) -> None:
        if self._attached:
            self._attached = False
            self.channel.post(("detach", self.live.meet_id))


class Publishers:
    """One MeetPublisher per loaded meet (``attach`` is a registry ``on_meet_loaded``
    hook), and the channels to the view workers; a meet's views live in the worker its id
    picks."""

    def __init__(self, make_channel: ChannelMaker, workers: int = 1) -> None:
        self._by_meet: dict[str, MeetPublisher] = {}
        self.channels = [make_channel(self._durable_state, self._frames) for _ in range(max(1, workers))]
        for channel in self.channels:
            channel.on_restart.append(functools.partial(self._restarted, channel))

    def channel_for(self, meet_id: str) -> ViewChannel:
        return self.channels[zlib.crc32(meet_id.encode()) % len(self.channels)]

    def _durable_state(self, meet_id: str) -> tuple[int, dict[str, Any]] | None:
        return durable_state(self._by_meet[meet_id].live)

    async def _frames(self, meet_id: str, derived: int, frames: list[Any]) -> None:
        publisher = self._by_meet.get(meet_id)
        if publisher is not None:
            await publisher.on_frames(derived, frames)

    def _restarted(self, channel: ViewChannel) -> None:
        for publisher in self._by_meet.values():
            if publisher.channel is channel:
                publisher.reattach()

    def attach(self, live: PublishedMeet) -> MeetPublisher:
        publisher = self._by_meet.get(live.meet_id)
        if publisher is None or publisher.live is not live:
            if publisher is not None:
                publisher.close()
            publisher = MeetPublisher(live, self.channel_for(live.meet_id))
            self._by_meet[live.meet_id] = publisher
        return publisher

    def of(self, live: PublishedMeet) -> MeetPublisher:
        return self.attach(live)

    def watched(self, live: PublishedMeet) -> bool:
        """Whether any display follows this meet (a registry ``in_use`` check)."""
        publisher = self._by_meet.get(live.meet_id)
        return publisher is not None and len(publisher) > 0

    def detach(self, live: PublishedMeet) -> None:
        """Forget an unloaded meet's publisher (a registry ``on_meet_unloaded`` hook)."""
        publisher = self._by_meet.get(live.meet_id)
        if publisher is not None and publisher.live is live:
            publisher.close()
            del self._by_meet[live.meet_id]

    def close(self) -> None:
        for channel in self.channels:
            channel.close()
