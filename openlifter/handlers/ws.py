"""The /ws and /meets/<meetId>/ws endpoints: Tornado glue around a protocol Connection,
or around a relay to the process that holds the meet."""

from __future__ import annotations

from typing import Any, Callable

import tornado.httpclient
import tornado.websocket

from openlifter.auth.secrets import normalize_meet_id
from openlifter.handlers.base import AppContext, origin_allowed
from openlifter.handlers.relay import OwnerRelay
from openlifter.protocol.commands import COMMANDS
from openlifter.protocol import messages as m
from openlifter.protocol.connection import Connection, MessageObserver
from openlifter.protocol.outgoing import OutgoingQueue
from openlifter.protocol.schema import Limits


class MeetSocket(AppContext, tornado.websocket.WebSocketHandler):
    def initialize(self, limits: Callable[[], Limits], observer: MessageObserver | None = None) -> None:
        self.current_limits = limits  # read at each open: a reloaded config applies to new sockets
        self.observer = observer
        self.stranger: Any = None  # its socket, while it counts as a stranger of its address

    async def get(self, *args: Any, **kwargs: Any) -> None:
        # Anyone can open sockets, hundreds at once: an address has a few strangers at a
        # time (sockets in no meet yet; more are refused now, cheaply), and their
        # handshakes go one per turn of the loop share (other meets' relays run between).
        strangers = self.registry.loop_share.strangers
        sock = self.request.connection.stream.socket  # type: ignore[union-attr]
        if not strangers.arrive(sock, self.request.remote_ip or ""):
            self.quiet_refusal = True  # said now and then by the accept guard, not once per socket
            if self.observer is not None:
                self.observer.refused("max_strangers_per_address")
            self.set_status(503)
            self.set_header("Retry-After", "1")
            self.finish(m.STRANGERS_REFUSED)
            return
        self.stranger = sock
        await self.registry.loop_share.take_turn(strangers)
        if self.request.connection.stream.closed():  # type: ignore[union-attr]  # the client left meanwhile
            return
        await super().get(*args, **kwargs)

    def check_origin(self, origin: str) -> bool:
        return origin_allowed(origin, self.config.allowed_origins, self.request.host)

    async def open(self, *args: Any) -> None:
        # On /meets/<meetId>/ws the socket serves that meet only (a proxy routes by it).
        route_meet = normalize_meet_id(args[0]) or args[0] if args else None
        self.relay: OwnerRelay | None = None
        # Small frames go out at once: with Nagle on, a second frame waits for the
        # client's delayed TCP ACK (about 40 ms), stalling ACKs and relays.
        self.set_nodelay(True)
        self.outgoing = OutgoingQueue(self.write_message, self.close, self.config.max_pending_messages, self.config.max_pending_bytes)
        self.connection = Connection(
            self.registry, self.current_limits(), self.outgoing.send, COMMANDS, self.request.remote_ip or "", self.observer, route_meet
        )
        self.connection.hand_over = self._serve_through_owner  # a token of a meet held elsewhere
        self.open_sockets.add(self)
        owner = await self.registry.owner_elsewhere(route_meet) if route_meet else None
        if owner is not None and route_meet:  # another process holds the meet: serve the socket through it
            await self._relay_to(owner, route_meet)

    async def _relay_to(self, owner: str, meet_id: str) -> None:
        try:
            self.relay = await OwnerRelay.connect(
                f"{owner}meets/{meet_id}/ws", self.request.remote_ip or "", self.config.max_message_bytes, self.outgoing.send, self._owner_lost
            )
        except (OSError, tornado.httpclient.HTTPClientError, tornado.websocket.WebSocketError):
            self._owner_lost()
        if self.outgoing.closed and self.relay is not None:  # the client left meanwhile
            self.relay.close()

    async def _serve_through_owner(self, meet_id: str, frame: str | bytes) -> bool:
        owner = await self.registry.owner_elsewhere(meet_id)
        if owner is None:
            return False
        await self._relay_to(owner, meet_id)
        if self.relay is not None:
            await self.relay.forward(frame)
        return True

    def _owner_lost(self) -> None:
        self.outgoing.shut(1012, "the meet's server process went away; reconnect")

    @property
    def meet_id(self) -> str | None:
        """The meet this socket serves, once it has one (OpenSockets.close_meet)."""
        live = self.connection.live
        return None if live is None else live.meet_id

    async def on_message(self, message: str | bytes) -> None:
        # Tornado reads the next frame only after this returns: messages of one
        # connection are handled in order. receive() never raises.
        if self.relay is not None:
            await self.relay.forward(message)
        elif not self.outgoing.closed:  # closing (its meet's owner unreachable): not served here
            await self.connection.receive(message)
        if self.stranger is not None and (self.connection.live is not None or self.relay is not None):
            self._settle()

    def _settle(self) -> None:
        """No longer a stranger of its address (it belongs to a meet, or has gone)."""
        if self.stranger is not None:
            self.registry.loop_share.strangers.settle(self.stranger)
            self.stranger = None

    def on_close(self) -> None:
        self.open_sockets.discard(self)
        self._settle()
        if not hasattr(self, "connection"):  # closed while its handshake waited for a turn
            return
        relay = getattr(self, "relay", None)  # None until open() made it
        if relay is not None:
            relay.close()
        self.connection.closed()
        self.outgoing.shut(1000, "closed")
