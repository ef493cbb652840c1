"""Bounds on work: a count of steps one operation may spend (judging one update, say),
so that its cost is bounded by configuration, not by how much a client managed to store;
and a time slice after which a long job lets other meets run."""

from __future__ import annotations

import asyncio
import time


class WorkBudget:
    def __init__(self, steps: int) -> None:
        self.left = steps

    def spend(self, steps: int = 1) -> bool:
        """Take ``steps``; False once the budget is used up (and from then on)."""
        self.left -= steps
        return self.left >= 0

    @property
    def exhausted(self) -> bool:
        return self.left < 0


class TimeSlice:
    """Lets other meets run once ``seconds`` of work have passed since the last pause."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started = time.perf_counter()

    async def tick(self) -> None:
        if time.perf_counter() - self.started > self.seconds:
            await asyncio.sleep(0)
            self.started = time.perf_counter()
