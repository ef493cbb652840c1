"""GET /health: 200 once the server can serve (its data folder is writable);
/ws/health: a WebSocket probe that answers "ping" with "pong" (checks a proxy passes
WebSockets through, which an HTTP probe cannot)."""

from __future__ import annotations

from typing import Any

import tornado.web
import tornado.websocket

from openlifter.handlers.base import AppContext, CrossOrigin, FriendlyErrors

PING, PONG = "ping", "pong"


class HealthHandler(CrossOrigin, tornado.web.RequestHandler):
    async def get(self) -> None:
        writable = await self.registry.io.run(self.registry.store.is_writable)
        self.allow_origin()
        self.set_header("Cache-Control", "no-store")
        if not writable:
            self.set_status(503)
        self.write({"status": "ok" if writable else "unavailable", "storageWritable": writable})


class HealthSocket(AppContext, tornado.websocket.WebSocketHandler):
    def check_origin(self, origin: str) -> bool:
        return True  # a probe: it reads nothing and changes nothing

    def open(self, *args: Any) -> None:
        self.open_sockets.add(self)

    def on_message(self, message: str | bytes) -> None:
        if message == PING:
            self.write_message(PONG)

    def on_close(self) -> None:
        self.open_sockets.discard(self)


class NotFoundHandler(FriendlyErrors, tornado.web.RequestHandler):
    def prepare(self) -> None:
        raise tornado.web.HTTPError(404)
