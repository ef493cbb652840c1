"""Attempts per client address over a sliding window, counted when they arrive.

An attempt is counted the moment it is taken, before any slow check (bcrypt) runs, so
a burst of concurrent attempts from one address cannot all get through while the first
ones are still being checked. An attempt that turns out fine can be given back.
"""

from __future__ import annotations

import collections
import dataclasses
from typing import Callable


@dataclasses.dataclass(frozen=True)
class Attempt:
    address: str
    at: float
    shared_id: str = ""  # its id where every process counts (a shared store)


class AddressLimit:
    def __init__(self, per_window: int, window_seconds: float, clock: Callable[[], float]) -> None:
        self.per_window = per_window
        self.window_seconds = window_seconds
        self.clock = clock
        self._attempts: dict[str, collections.deque[float]] = {}
        self._next_sweep = clock() + window_seconds

    def take(self, address: str) -> Attempt | None:
        """Count one attempt from ``address`` now, or None if its window is full."""
        now = self.clock()
        self._sweep(now)
        stamps = self._attempts.setdefault(address, collections.deque())
        while stamps and stamps[0] <= now - self.window_seconds:
            stamps.popleft()
        if len(stamps) >= self.per_window:
            return None
        stamps.append(now)
        return Attempt(address, now)

    def give_back(self, attempt: Attempt) -> None:
        """The attempt succeeded: it no longer counts against its address."""
        stamps = self._attempts.get(attempt.address)
        if stamps is not None and attempt.at in stamps:
            stamps.remove(attempt.at)

    def __len__(self) -> int:
        """How many addresses are tracked (bounded: idle ones are swept every window)."""
        return len(self._attempts)

    def _sweep(self, now: float) -> None:
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.window_seconds
        cutoff = now - self.window_seconds
        for address in [a for a, stamps in self._attempts.items() if not stamps or stamps[-1] <= cutoff]:
            del self._attempts[address]
