"""Display feed fan-out: one publisher per meet computes the views once per meet change
and sends one ready-made frame per page variant to every display subscribed to it.

No Tornado here. A subscriber is anything with a non-blocking ``send(frame)`` that raises
when the frame cannot be queued, and a ``closed`` flag (the feed handler wraps its socket's
bounded OutgoingQueue). Changes arrive through ``LiveMeet.listeners`` after they are
durable; a burst of them within ``coalesce_seconds`` becomes one push. A subscriber gets
the current snapshot when it subscribes (taken with no ``await`` in between, so nothing
falls between snapshot and subscription) and a full snapshot on every push after that, so
a display that missed anything (reconnect, server restart) is whole again at once.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Callable, Hashable, Protocol

from openlifter.views.derive import MeetViews, compute_views

if TYPE_CHECKING:
    from openlifter.meet.live import LiveMeet
    from openlifter.storage.meetfiles import LogEntry

log = logging.getLogger(__name__)

# (variant, views) -> the encoded frame every subscriber of that variant gets.
FrameMaker = Callable[[Hashable, MeetViews], str]


class Subscriber(Protocol):
    @property
    def closed(self) -> bool: ...

    def send(self, frame: str) -> None: ...


class MeetPublisher:
    def __init__(
        self,
        live: "LiveMeet",
        frame_for: FrameMaker,
        coalesce_seconds: float,
        compute: Callable[[Any, int], MeetViews] = compute_views,
    ) -> None:
        self.live = live
        self.frame_for = frame_for
        self.coalesce_seconds = coalesce_seconds
        self.compute = compute
        self._subscribers: dict[Subscriber, Hashable] = {}
        self._sent_seq: dict[Subscriber, int] = {}
        self._views: MeetViews | None = None
        self._frames: dict[Hashable, tuple[int, str]] = {}
        self._timer: asyncio.TimerHandle | None = None
        self.computes = 0  # how many times the views were derived (tests, metrics)
        self.pushes = 0  # how many coalesced pushes went out
        live.listeners.append(self.on_change)

    # ---- the views --------------------------------------------------------------------

    def views(self) -> MeetViews:
        """The views at the durable head, derived at most once per meet change."""
        live = self.live
        head = live.durable_head
        if self._views is not None and self._views.seq == head:
            return self._views
        if self._views is not None and live.meet.head != head:
            return self._views  # a batch is between apply and fsync: keep the durable picture
        try:
            views = self.compute(live.meet.state, head)
        except Exception:  # the rules must never take the displays down
            log.exception("computing the live views failed", extra={"meetId": live.meet_id, "seq": head})
            views = self._views if self._views is not None else self.compute({}, head)
        self.computes += 1
        if live.meet.head == head:
            self._views = views  # only a durable picture is kept (a failed fsync rolls back)
        return views

    def frame(self, variant: Hashable) -> tuple[int, str]:
        """(seq, frame) for a variant, rendered once per variant and meet change."""
        views = self.views()
        cached = self._frames.get(variant)
        if cached is not None and cached[0] == views.seq:
            return cached
        try:
            made = (views.seq, self.frame_for(variant, views))
        except Exception:
            log.exception("rendering a display frame failed", extra={"meetId": self.live.meet_id, "variant": repr(variant)})
            if cached is not None:
                return cached
            raise
        if views is self._views:
            self._frames[variant] = made
        return made

    # ---- subscribers ------------------------------------------------------------------

    def subscribe(self, subscriber: Subscriber, variant: Hashable) -> bool:
        """Send the current snapshot and register, with no await in between. False (and
        not registered) when the snapshot could not even be queued."""
        try:
            seq, frame = self.frame(variant)
            subscriber.send(frame)
        except Exception:
            log.warning("a display could not take its first snapshot", exc_info=True, extra={"meetId": self.live.meet_id})
            return False
        if subscriber.closed:
            return False
        self._subscribers[subscriber] = variant
        self._sent_seq[subscriber] = seq
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

    def on_change(self, live: "LiveMeet", entries: "list[LogEntry]") -> None:
        """A LiveMeet listener: called after each durable change; schedules one push."""
        if not self._subscribers or self._timer is not None:
            return  # nobody to tell (the views are derived lazily), or a push is already due
        loop = asyncio.get_running_loop()
        if self.coalesce_seconds > 0:
            self._timer = loop.call_later(self.coalesce_seconds, self.flush)
        else:
            self._timer = loop.call_soon(self.flush)  # type: ignore[assignment]

    def flush(self) -> None:
        """Push the current views to every subscriber not already holding them."""
        self._timer = None
        if not self._subscribers:
            return
        self.pushes += 1
        wanted = set(self._subscribers.values())
        self._frames = {v: f for v, f in self._frames.items() if v in wanted}
        for subscriber, variant in list(self._subscribers.items()):
            try:
                seq, frame = self.frame(variant)
            except Exception:
                continue  # logged in frame(); this variant's displays keep their last picture
            if self._sent_seq.get(subscriber) == seq:
                continue  # it subscribed after the change and got this snapshot already
            try:
                if subscriber.closed:
                    raise ConnectionError("closed")
                subscriber.send(frame)
            except Exception:
                self.unsubscribe(subscriber)  # a dead display is dropped there and then
                continue
            if subscriber.closed:
                self.unsubscribe(subscriber)
                continue
            self._sent_seq[subscriber] = seq

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class Publishers:
    """One MeetPublisher per loaded meet; ``attach`` is a registry ``on_meet_loaded`` hook."""

    def __init__(self, frame_for: FrameMaker, coalesce_seconds: float) -> None:
        self.frame_for = frame_for
        self.coalesce_seconds = coalesce_seconds
        self._by_meet: dict[str, MeetPublisher] = {}

    def attach(self, live: "LiveMeet") -> MeetPublisher:
        publisher = self._by_meet.get(live.meet_id)
        if publisher is None or publisher.live is not live:
            publisher = MeetPublisher(live, self.frame_for, self.coalesce_seconds)
            self._by_meet[live.meet_id] = publisher
        return publisher

    def of(self, live: "LiveMeet") -> MeetPublisher:
        return self.attach(live)

    def watched(self, live: "LiveMeet") -> bool:
        """Whether any display follows this meet (a registry ``in_use`` check)."""
        publisher = self._by_meet.get(live.meet_id)
        return publisher is not None and len(publisher) > 0

    def detach(self, live: "LiveMeet") -> None:
        """Forget an unloaded meet's publisher (a registry ``on_meet_unloaded`` hook)."""
        publisher = self._by_meet.get(live.meet_id)
        if publisher is not None and publisher.live is live:
            publisher.close()
            del self._by_meet[live.meet_id]

    def close(self) -> None:
        for publisher in self._by_meet.values():
            publisher.close()
