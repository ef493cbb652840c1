"""A connection's bounded outgoing queue (HA websocket_api's _writer idea).

``send`` never blocks and never raises: frames wait in a queue capped in frames and in
bytes, drained by one writer task. A peer that falls more than ``cap`` frames or
``max_bytes`` bytes behind, or whose write fails, is closed at once, so one slow OBS box
never delays the rest of a meet and a socket that never reads holds bounded memory; it
can pull later. (A single frame larger than ``max_bytes`` still goes to a peer that has
nothing queued: every frame is bounded by other limits.)
"""

from __future__ import annotations

import asyncio
import collections
import logging
from typing import Any, Awaitable, Callable

from openlifter.protocol.messages import encode

log = logging.getLogger(__name__)

CLOSE_TOO_SLOW = 1008


async def _not_written(*args: Any) -> None:
    pass


def _closed(*args: Any) -> None:
    pass


class OutgoingQueue:
    def __init__(self, write: Callable[[str], Awaitable[Any]], close: Callable[[int, str], None], cap: int, max_bytes: int) -> None:
        self._write = write
        self._close = close
        self._cap = cap
        self._max_bytes = max_bytes
        self._frames: collections.deque[str] = collections.deque()
        self.pending_bytes = 0  # characters of the frames queued or being written
        self._wakeup = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self.closed = False

    def send(self, message: dict[str, Any] | str) -> None:
        if self.closed:
            return
        frame = message if isinstance(message, str) else encode(message)
        over_bytes = self.pending_bytes > 0 and self.pending_bytes + len(frame) > self._max_bytes
        if len(self._frames) >= self._cap or over_bytes:
            log.warning("closing a connection that cannot keep up", extra={"queued": len(self._frames), "queuedBytes": self.pending_bytes})
            self.shut(CLOSE_TOO_SLOW, "too slow: pull to catch up")
            return
        self._frames.append(frame)
        self.pending_bytes += len(frame)
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
            if not self.closed:  # its bytes counted until written: Tornado held them
                self.pending_bytes -= len(frame)

    def shut(self, code: int, reason: str) -> None:
        """Stop sending and close the transport (idempotent)."""
        if self.closed:
            return
        self.closed = True
        self._frames.clear()
        self.pending_bytes = 0
        self._wakeup.set()
        # Forget the socket's methods: they hold the socket, which holds this queue, and a
        # cycle is freed only by a full collection (tens of ms on the loop for a crowd).
        close, self._close, self._write = self._close, _closed, _not_written
        try:
            close(code, reason)
        except Exception:
            log.debug("close after shut failed", exc_info=True)
