"""How the server process uses Python's cycle collector.

A full (generation 2) collection walks every tracked object: with meets of tens of
thousands of entries loaded that is 50-100+ ms in one piece on the event loop, felt by
every meet's relays. What survives a full collection is long-lived (meets' states, logs,
indexes), so it is frozen (``gc.freeze``): later collections walk only what came after.
Plain garbage is still freed at once by reference counting; only cycles among frozen
objects wait, until the next thaw (``thaw_seconds``), when they are given back to the
collector and the next full collection frees them.
"""

from __future__ import annotations

import gc
from typing import Any, Callable

GcHook = Callable[[str, dict[str, Any]], None]


def watch_gc(hook: GcHook, on: bool) -> None:
    """Add (or remove) a ``gc.callbacks`` hook, once."""
    if on and hook not in gc.callbacks:
        gc.callbacks.append(hook)
    elif not on and hook in gc.callbacks:
        gc.callbacks.remove(hook)


class FreezeSurvivors:
    def __init__(self) -> None:
        self.freezes = 0  # how many full collections had their survivors frozen (tests, logs)

    def on_gc(self, phase: str, info: dict[str, Any]) -> None:
        """A ``gc.callbacks`` hook."""
        if phase == "stop" and info.get("generation") == 2:
            gc.freeze()
            self.freezes += 1

    def watch(self, on: bool) -> None:
        watch_gc(self.on_gc, on)
        if not on:
            gc.unfreeze()

    @staticmethod
    def thaw() -> None:
        """Give the frozen objects back to the collector (their cycles are freed by the
        next full collection)."""
        gc.unfreeze()
