"""Display feed fan-out: one publisher per meet keeps its views up to date and sends every
display what changed since its last frame.

No Tornado here. A subscriber is anything with a non-blocking ``send(frame)`` that raises
when the frame cannot be queued, and a ``closed`` flag (the feed handler wraps its socket's
bounded OutgoingQueue). Changes arrive through ``LiveMeet.listeners`` after they are
durable; their keys are collected, and a burst of them within ``coalesce_seconds`` becomes
one round:

1. the views are advanced over the collected keys (``IncrementalViews``: what the keys
   touch, not the whole meet), or rebuilt (first use, meet set-up changed);
2. each display variant in use makes its frame from the previous views to these
   (``feed.py``: a JSON patch, or the page fragments that changed);
3. every display gets that frame, or a snapshot if it does not hold the previous views.

The round runs as a task in bounded steps (SPEC 4.3), and the publishers of all meets take
turns through one lane: a turn runs steps for about ``TURN_SECONDS`` (at least one step),
then yields to the IOLoop. Whatever the number of busy meets, the IOLoop runs at most one
turn of view work between two turns of relay work, so no relay of any meet waits for more
than one turn of a view. The state is
only read while it is durable (no batch between apply and fsync), so nothing a failed
fsync rolls back is ever shown. A display gets the latest published snapshot when it
subscribes, with no await between snapshot and subscription; if the meet has no views
yet, its snapshot comes with the first round.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any, Callable, Hashable, Iterator, Protocol

from openlifter.meet.keys import Path, parse_accepted_key
from openlifter.views.derive import MeetViews
from openlifter.views.feed import VariantFeed, stamp
from openlifter.views.incremental import IncrementalViews

if TYPE_CHECKING:
    from openlifter.meet.replica import DisplayedMeet  # the seam: a LiveMeet, or a read-only copy
    from openlifter.storage.store import LogEntry

log = logging.getLogger(__name__)

# (variant, views) -> the feed of that kind of display, starting at those views.
FeedMaker = Callable[[Hashable, MeetViews], VariantFeed]

MAX_COLLECTED_KEYS = 20_000  # past this many keys between rounds, rebuilding is cheaper than advancing
SEND_CHUNK = 100  # displays sent to between two yields
TURN_SECONDS = 0.002  # a turn in the lane runs steps until this much time has gone (at least one step)
DURABLE_POLL_SECONDS = 0.002  # how often a round looks again while a batch waits for its fsync


class Subscriber(Protocol):
    @property
    def closed(self) -> bool: ...

    def send(self, frame: str) -> None: ...


def server_time_ms() -> int:
    return int(time.time() * 1000)


class MeetPublisher:
    def __init__(self, live: "DisplayedMeet", feed_for: FeedMaker, coalesce_seconds: float, lane: asyncio.Lock | None = None) -> None:
        self.live = live
        self.feed_for = feed_for
        self.coalesce_seconds = coalesce_seconds
        self.lane = lane if lane is not None else asyncio.Lock()  # shared by every meet's publisher
        self._subscribers: dict[Subscriber, Hashable] = {}
        self._sent_seq: dict[Subscriber, int | None] = {}  # None: waits for its first snapshot
        self._feeds: dict[Hashable, VariantFeed] = {}
        self._deriver: IncrementalViews | None = None
        self._views: MeetViews | None = None  # the last views published (durable)
        self._keys: list[Path] = []  # keys changed since the deriver's views
        self._rebuild = True
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._waiters: list[tuple[int, asyncio.Future[MeetViews]]] = []
        self.rounds = 0  # how many times the views were derived (tests, metrics)
        self.pushes = 0  # how many rounds sent frames to displays
        live.listeners.append(self.on_change)

    # ---- the views --------------------------------------------------------------------

    async def current(self) -> MeetViews:
        """The views at (at least) the durable head as of this call."""
        target = self.live.durable_head
        if self._views is not None and self._views.seq >= target:
            return self._views
        waiter: asyncio.Future[MeetViews] = asyncio.get_running_loop().create_future()
        self._waiters.append((target, waiter))
        self._start()
        return await waiter

    def _read_state(self) -> Any:
        return self.live.meet.state

    # ---- subscribers ------------------------------------------------------------------

    def subscribe(self, subscriber: Subscriber, variant: Hashable) -> bool:
        """Send the latest snapshot and register, with no await in between. False (and not
        registered) when the snapshot could not even be queued."""
        feed = self._feeds.get(variant)
        try:
            if feed is None and self._views is not None:
                feed = self._feeds[variant] = self.feed_for(variant, self._views)
            if feed is not None:
                subscriber.send(stamp(feed.snapshot(), server_time_ms()))
        except Exception:
            log.warning("a display could not take its first snapshot", exc_info=True, extra={"meetId": self.live.meet_id})
            return False
        if subscriber.closed:
            return False
        self._subscribers[subscriber] = variant
        self._sent_seq[subscriber] = feed.seq if feed is not None else None
        self._start()  # bring the views to the head if they are behind (or not made yet)
        return True

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.pop(subscriber, None)
        self._sent_seq.pop(subscriber, None)

    def __len__(self) -> int:
        return len(self._subscribers)

    def disconnect_all(self, code: int, reason: str) -> None:
        """Close every display (e.g. its key was rotated): they must come back with a key."""
        for subscriber in list(self._subscribers):
            self.unsubscribe(subscriber)
            disconnect = getattr(subscriber, "disconnect", None)
            if disconnect is not None:
                disconnect(code, reason)

    # ---- changes ----------------------------------------------------------------------

    def on_change(self, live: "DisplayedMeet", entries: "list[LogEntry]") -> None:
        """A LiveMeet listener, called after each durable change: collect its keys, and
        start a round if anyone is watching (else the views are brought up when asked)."""
        if not self._rebuild:  # (a rebuild is due anyway otherwise)
            if len(self._keys) + len(entries) > MAX_COLLECTED_KEYS:
                self._rebuild, self._keys = True, []
            else:
                self._keys.extend(parse_accepted_key(entry.key) for entry in entries)
        if self._subscribers:
            self._start()

    def _start(self) -> None:
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        while self._wake.is_set():
            self._wake.clear()
            if self.coalesce_seconds > 0 and self._subscribers and self._views is not None:
                await asyncio.sleep(self.coalesce_seconds)  # a burst of changes: one round
            try:
                await self._round()
            except Exception:  # the rules must never take the displays down: keep the last views
                log.exception("deriving the live views failed", extra={"meetId": self.live.meet_id})
                self._rebuild, self._keys = True, []
                self._release_waiters(failed=True)

    async def _round(self) -> None:
        while True:
            plan: dict[str, Any] = {}

            def start() -> Iterator[None]:
                # Called in the lane with the state durable: the views will be those at ``target``.
                target = self.live.durable_head
                if self._deriver is None or self._rebuild:
                    self._rebuild, self._keys = False, []
                    plan.update(deriver=IncrementalViews(), rebuilt=True)
                    return plan["deriver"].rebuild_steps(self._read_state, target)
                if self._keys or self._views is None or self._views.seq != target:
                    keys, self._keys = self._keys, []
                    plan.update(deriver=self._deriver, rebuilt=False)
                    return self._deriver.advance_steps(self._read_state, keys, target)
                return iter(())  # already at the head

            await self._drive(start)  # a failure here leaves _rebuild set (see _run)
            if not plan:
                break
            self._deriver = plan["deriver"]
            self.rounds += 1
            if not (plan["rebuilt"] and self._keys):
                break
            # A rebuild reads the entries over several steps and may have seen some of the
            # changes that came meanwhile: advance over them before showing anything.
        if self._deriver is not None:
            fresh = self._deriver.views is not self._views
            if fresh or any(variant not in self._feeds for variant in self._subscribers.values()):
                await self._publish(self._deriver.views)
        self._release_waiters()

    async def _until_durable(self) -> None:
        meet = self.live.meet
        while meet.head != self.live.durable_head:
            await asyncio.sleep(DURABLE_POLL_SECONDS)
            meet = self.live.meet

    async def _drive(self, start: Callable[[], Iterator[None]]) -> None:
        """Run the steps that ``start`` gives one at a time through the lane, with a yield to
        the IOLoop between any two, each (the call to ``start`` too) while the state is durable."""
        steps: Iterator[None] | None = None
        while True:
            await self._until_durable()
            async with self.lane:
                if self.live.meet.head != self.live.durable_head:
                    continue  # a batch came while this waited for its turn
                if steps is None:
                    steps = start()
                turn_ends = time.perf_counter() + TURN_SECONDS
                try:
                    next(steps)
                    while time.perf_counter() < turn_ends:  # small steps share a turn
                        next(steps)
                except StopIteration:
                    return
            await asyncio.sleep(0)

    def _release_waiters(self, failed: bool = False) -> None:
        views = self._views
        still: list[tuple[int, asyncio.Future[MeetViews]]] = []
        for target, waiter in self._waiters:
            if waiter.done():
                continue
            if views is not None and (views.seq >= target or failed):
                waiter.set_result(views)
            elif failed:
                waiter.set_exception(RuntimeError("the live views could not be derived"))
            else:
                still.append((target, waiter))
        self._waiters = still
        if still:
            self._wake.set()

    # ---- sending ----------------------------------------------------------------------

    async def _publish(self, views: MeetViews) -> None:
        self._views = views
        wanted = set(self._subscribers.values())
        for variant in list(self._feeds):
            if variant not in wanted:
                del self._feeds[variant]
        updates: dict[Hashable, tuple[int, str]] = {}  # variant -> (fromSeq, update frame)
        for variant in wanted:
            feed = self._feeds.get(variant)
            if feed is None:  # its displays wait for their first snapshot
                try:
                    self._feeds[variant] = self.feed_for(variant, views)
                except Exception:
                    log.exception("rendering a display frame failed", extra={"meetId": self.live.meet_id, "variant": repr(variant)})
                continue
            if feed.seq == views.seq:
                continue
            from_seq = feed.seq
            try:
                await self._drive(lambda: feed.update_steps(views))  # type: ignore[union-attr]
            except Exception:
                log.exception("rendering a display frame failed", extra={"meetId": self.live.meet_id, "variant": repr(variant)})
                del self._feeds[variant]  # made anew on the next round; its displays then get a snapshot
                self._wake.set()
                continue
            if feed.update is not None:
                updates[variant] = (from_seq, feed.update)
        if not self._subscribers:
            return
        self.pushes += 1
        now = server_time_ms()
        stamped: dict[tuple[Hashable, str], str] = {}
        for n, (subscriber, variant) in enumerate(list(self._subscribers.items()), start=1):
            feed = self._feeds.get(variant)
            sent = self._sent_seq.get(subscriber)
            if feed is None or sent == feed.seq or subscriber not in self._subscribers:
                continue
            update = updates.get(variant)
            kind = "update" if update is not None and sent == update[0] else "snapshot"
            frame = stamped.get((variant, kind))
            if frame is None:
                frame = stamped[(variant, kind)] = stamp(update[1] if kind == "update" else feed.snapshot(), now)  # type: ignore[index]
            self._deliver(subscriber, frame, feed.seq)
            if n % SEND_CHUNK == 0:
                await asyncio.sleep(0)

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
        task, waiters, self._task, self._waiters = self._task, self._waiters, None, []
        if task is None or task.get_loop().is_closed():
            return  # nothing running, or nothing can run any more
        task.cancel()
        for _, waiter in waiters:
            if not waiter.done():
                waiter.cancel()


class Publishers:
    """One MeetPublisher per loaded meet; ``attach`` is a registry ``on_meet_loaded`` hook."""

    def __init__(self, feed_for: FeedMaker, coalesce_seconds: float) -> None:
        self.feed_for = feed_for
        self.coalesce_seconds = coalesce_seconds
        self.lane = asyncio.Lock()  # one step of view work at a time, whichever meet's
        self._by_meet: dict[str, MeetPublisher] = {}

    def attach(self, live: "DisplayedMeet") -> MeetPublisher:
        publisher = self._by_meet.get(live.meet_id)
        if publisher is None or publisher.live is not live:
            publisher = MeetPublisher(live, self.feed_for, self.coalesce_seconds, self.lane)
            self._by_meet[live.meet_id] = publisher
        return publisher

    def of(self, live: "DisplayedMeet") -> MeetPublisher:
        return self.attach(live)

    def watched(self, live: "DisplayedMeet") -> bool:
        """Whether any display follows this meet (a registry ``in_use`` check)."""
        publisher = self._by_meet.get(live.meet_id)
        return publisher is not None and len(publisher) > 0

    def detach(self, live: "DisplayedMeet") -> None:
        """Forget an unloaded meet's publisher (a registry ``on_meet_unloaded`` hook)."""
        publisher = self._by_meet.get(live.meet_id)
        if publisher is not None and publisher.live is live:
            publisher.close()
            del self._by_meet[live.meet_id]

    def close(self) -> None:
        for publisher in self._by_meet.values():
            publisher.close()
