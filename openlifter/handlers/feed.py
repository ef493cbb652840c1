"""The display feed, /meets/<id>/feed?key=...: a read-only WebSocket pushing views.

Tornado glue only: the key is checked before the upgrade (403), then ``open`` takes the
snapshot and subscribes in one step (no await between); the MeetPublisher does the rest.
"""

from __future__ import annotations

from typing import Any

import tornado.web
import tornado.websocket

from openlifter.handlers.base import origin_allowed
from openlifter.handlers.display import DisplayAccess, DisplayPublishers
from openlifter.protocol.outgoing import OutgoingQueue
from openlifter.views.pages import parse_spec
from openlifter.views.publisher import MeetPublisher

class _Display:
    """The publisher's view of one socket: a bounded queue that raises once closed."""

    def __init__(self, outgoing: OutgoingQueue, socket: tornado.websocket.WebSocketHandler) -> None:
        self.outgoing = outgoing
        self.socket = socket

    @property
    def closed(self) -> bool:
        connection = self.socket.ws_connection
        return self.outgoing.closed or connection is None or connection.is_closing()

    def send(self, frame: str) -> None:
        if self.closed:
            raise ConnectionError("display socket closed")
        self.outgoing.send(frame)

    def disconnect(self, code: int, reason: str) -> None:
        self.outgoing.shut(code, reason)


class DisplayFeed(DisplayAccess, tornado.websocket.WebSocketHandler):
    def initialize(self, publishers: DisplayPublishers) -> None:
        self.publishers = publishers
        self.publisher: MeetPublisher | None = None
        self.display: _Display | None = None

    def check_origin(self, origin: str) -> bool:
        return origin_allowed(origin, self.config.allowed_origins, self.request.host)

    async def get(self, *args: Any, **kwargs: Any) -> None:
        live = await self.display_meet(args[0])
        self.publisher = self.publishers.of(live)
        if len(self.publisher) >= self.config.max_connections_per_meet:
            raise tornado.web.HTTPError(503)
        query = self.query_args()
        self.spec = parse_spec(query.get("view", ""), query)
        await super().get(*args, **kwargs)

    def open(self, *args: Any) -> None:
        assert self.publisher is not None
        cap = self.config.max_pending_display_frames
        self.display = _Display(OutgoingQueue(self.write_message, self.close, cap, self.config.max_pending_bytes), self)
        self.open_sockets.add(self)
        if not self.publisher.subscribe(self.display, self.spec):
            self.close(1011, "could not send the snapshot")

    def on_message(self, message: str | bytes) -> None:
        pass  # displays only listen

    def on_close(self) -> None:
        self.open_sockets.discard(self)
        if self.display is not None:
            if self.publisher is not None:
                self.publisher.unsubscribe(self.display)
            self.display.outgoing.shut(1000, "closed")
