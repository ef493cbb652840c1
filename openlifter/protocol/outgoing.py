"""A connection's bounded outgoing queue (HA websocket_api's _writer idea).

``send`` never blocks and never raises: frames wait in a capped queue drained by one
writer task. A peer that falls more than ``cap`` frames behind, or whose write fails, is
closed at once, so one slow OBS box never delays the rest of a meet; it can pull later.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from typing import Any, Awaitable, Callable

from openlifter.protocol.messages import encode

log = logging.getLogger(__name__)

CLOSE_TOO_SLOW = 1008


class OutgoingQueue:
    def __init__(self, write: Callable[[str], Awaitable[Any]], close: Callable[[int, str], None], cap: int) -> None:
        self._write = write
        self._close = close
        self._cap = cap
        self._frames: collections.deque[str] = collections.deque()
        self._wakeup = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self.closed = False

    def send(self, message: dict[str, Any] | str) -> None:
        if self.closed:
            return
        if len(self._frames) >= self._cap:
            log.warning("closing a connection that cannot keep up", extra={"queued": len(self._frames)})
            self.shut(CLOSE_TOO_SLOW, "too slow: pull to catch up")
            return
        self._frames.append(message if isinstance(message, str) else encode(message))
        self._wakeup.set()
        if self._writer is None:
            self._writer = asyncio.ensure_future(self._drain())

    @property
    def pending(self) -> int:
        return len(self._frames)

    async def _drain(self) -> None:
        while not self.closed:
            if not self._frames:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            frame = self._frames.popleft()
            try:
                await self._write(frame)
            except Exception:  # the peer is gone (closed socket, reset stream)
                self.shut(1001, "write failed")
                return

    def shut(self, code: int, reason: str) -> None:
        """Stop sending and close the transport (idempotent)."""
        if self.closed:
            return
        self.closed = True
        self._frames.clear()
        self._wakeup.set()
        try:
            self._close(code, reason)
        except Exception:
            log.debug("close after shut failed", exc_info=True)
