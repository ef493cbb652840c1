"""A count of work steps one operation may spend (judging one update, say), so that its
cost is bounded by configuration, not by how much a client managed to store."""

from __future__ import annotations


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
