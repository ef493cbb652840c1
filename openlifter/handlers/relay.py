"""A socket served through the process that holds its meet (SPEC section 8): frames pass
both ways unchanged, so the client cannot tell it from being served here."""

from __future__ import annotations

import asyncio
from typing import Callable

import tornado.httpclient
import tornado.websocket

OWNER_CONNECT_SECONDS = 5.0


class OwnerRelay:
    def __init__(self, upstream: tornado.websocket.WebSocketClientConnection, send: Callable[[str], None], lost: Callable[[], None]) -> None:
        self._upstream = upstream
        self._send = send  # the client's own bounded queue: a slow client is still closed
        self._lost = lost
        self._reader = asyncio.ensure_future(self._read())

    @classmethod
    async def connect(cls, url: str, client_address: str, max_message_bytes: int, send: Callable[[str], None], lost: Callable[[], None]) -> "OwnerRelay":
        # The owner counts joins per address: it reads this header with trust_proxy_headers.
        request = tornado.httpclient.HTTPRequest(url, headers={"X-Forwarded-For": client_address}, connect_timeout=OWNER_CONNECT_SECONDS)
        upstream = await tornado.websocket.websocket_connect(request, max_message_size=max_message_bytes)
        return cls(upstream, send, lost)

    async def _read(self) -> None:
        while (frame := await self._upstream.read_message()) is not None:
            self._send(frame if isinstance(frame, str) else frame.decode("utf-8", "replace"))
        self._lost()  # the owner closed (it stopped, or lost the meet): the client reconnects

    async def forward(self, message: str | bytes) -> None:
        try:
            await self._upstream.write_message(message)
        except tornado.websocket.WebSocketClosedError:
            self._lost()

    def close(self) -> None:
        self._upstream.close()
