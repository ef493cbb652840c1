"""The refusal a person sees: a create, join, publish or attach that is not allowed."""

from __future__ import annotations


class Rejected(Exception):
    """A request is refused; ``reason`` is for the person."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
