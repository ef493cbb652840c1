"""Per-address counting in a sliding minute: failed joins, meets created."""

from __future__ import annotations

import collections
from typing import Callable

RATE_WINDOW_SECONDS = 60.0


class AddressRateLimit:
    """At most ``per_minute`` noted events per client address in any 60 seconds."""

    def __init__(self, per_minute: int, clock: Callable[[], float]) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._events: dict[str, collections.deque[float]] = {}

    def limited(self, address: str) -> bool:
        events = self._events.get(address)
        if not events:
            return False
        cutoff = self.clock() - RATE_WINDOW_SECONDS
        while events and events[0] < cutoff:
            events.popleft()
        if not events:
            del self._events[address]
            return False
        return len(events) >= self.per_minute

    def note(self, address: str) -> None:
        self._events.setdefault(address, collections.deque()).append(self.clock())
