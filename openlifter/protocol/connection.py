"""One client connection on the protocol side: parse, dispatch, translate errors.

Knows nothing of Tornado: it gets a ``send`` callable (tests pass ``sent.append``) and
is fed text frames. ``receive`` never raises, so the socket stays open after bad input.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Mapping, Protocol

from openlifter.auth.sessions import Session
from openlifter.meet.errors import Rejected
from openlifter.meet.registry import MeetRegistry
from openlifter.protocol import messages as m
from openlifter.protocol.schema import Limits, Malformed, parse_envelope
from openlifter.storage.files import StorageError

if TYPE_CHECKING:
    from openlifter.meet.live import LiveMeet
    from openlifter.protocol.commands import Command

log = logging.getLogger(__name__)

MAX_IN_FLIGHT = 32


class MessageObserver(Protocol):
    """What a connection reports for metrics: each message by type, and how long its
    handler took ("unknown" and "malformed" for frames that have no known type)."""

    def message(self, msg_type: str) -> None: ...

    def handled(self, msg_type: str, seconds: float) -> None: ...


class InvalidSession(Exception):
    def __init__(self, token: str) -> None:
        super().__init__("invalid session")
        self.token = token


class HandedOver(Exception):
    """The frame went on to the process that holds its meet (a shared store), which
    answers it: the socket is served through that process from now on."""


# Which reply a refused request gets, by the msgType that was refused.
_REJECTION_REPLIES: dict[str, Callable[[str], dict[str, Any]]] = {
    m.CREATE_MEET: m.create_rejected,
    m.JOIN_MEET: m.join_rejected,
    m.PUBLISH_MEET: m.publish_rejected,
}


def translate_error(msg_type: str | None, error: Exception) -> dict[str, Any]:
    """The one place that turns an exception into the reply the client gets."""
    if isinstance(error, Malformed):
        return m.malformed_message(str(error))
    if isinstance(error, InvalidSession):
        return m.invalid_session(error.token)
    reply = _REJECTION_REPLIES.get(msg_type or "", m.malformed_message)
    if isinstance(error, Rejected):
        # e.g. a damaged meet reached through a session token: say why, keep the socket.
        return reply(error.reason)
    if isinstance(error, StorageError):  # a full or failing disk: the client may try again
        log.error("storage error answering a message", extra={"msgType": msg_type, "error": str(error)})
        return reply(m.STORAGE_FAILED)
    log.error("unexpected error handling a message", exc_info=error, extra={"msgType": msg_type})
    return m.malformed_message(m.INTERNAL_ERROR)


class Connection:
    def __init__(
        self,
        registry: MeetRegistry,
        limits: Limits,
        send: Callable[[dict[str, Any] | str], None],
        commands: "Mapping[str, Command]",
        address: str = "",
        observer: MessageObserver | None = None,
        route_meet: str | None = None,
    ) -> None:
        self.commands = commands
        # The meet a /meets/<meetId>/ws socket serves (None on /ws): frames for any other
        # meet are refused, so a proxy routing by meet id never mixes meets.
        self.route_meet = route_meet
        self.registry = registry
        self.limits = limits
        self.send = send
        self.address = address
        self.live: LiveMeet | None = None
        self.session: Session | None = None
        # Serves the socket through the process that holds a meet, from the frame being
        # handled on (a shared store); True once it does. Set by the socket handler.
        self.hand_over: Callable[[str], Awaitable[bool]] | None = None
        self._in_flight: list[asyncio.Future[Any]] = []
        self.observer = observer
        self._in_flight_bytes: list[int] = []  # the frame size of each batch in flight
        self.frame_bytes = 0  # size of the frame being handled

    @property
    def location(self) -> str | None:
        return self.session.location if self.session else None

    async def receive(self, text: str | bytes) -> None:
        msg_type: str | None = None
        counted = "malformed"
        started = time.perf_counter()
        try:
            self.frame_bytes = len(text)
            msg_type, message = parse_envelope(text)
            command = self.commands.get(msg_type)
            counted = msg_type if command else "unknown"
            if self.observer is not None:
                self.observer.message(counted)
            if command is None:
                self.send(m.unknown_message_type(msg_type[:100]))
                return
            request = command.parse(message, self.limits)
            await command.handle(self, request)
        except HandedOver:
            return
        except Exception as error:
            if msg_type is None and self.observer is not None:
                self.observer.message(counted)
            self.send(translate_error(msg_type, error))
        finally:
            if self.observer is not None:
                self.observer.handled(counted, time.perf_counter() - started)

    async def authenticate(self, token: str) -> "tuple[LiveMeet, Session]":
        """The meet and session of a token; the connection now belongs to that meet."""
        session = await self.registry.session_for(token)
        if session is not None:
            self.check_meet(session.meet_id)
            if self.live is None and self.hand_over is not None and await self.hand_over(session.meet_id):
                raise HandedOver()
        live = await self.registry.get(session.meet_id) if session else None
        if session is None or live is None:
            raise InvalidSession(token[:200])
        self.enter(live, session)
        return live, session

    def check_meet(self, meet_id: str | None) -> None:
        """Refuse a frame for another meet than the one this socket's address names
        (None: a frame that creates a meet)."""
        if self.route_meet is None or meet_id == self.route_meet:
            return
        raise Rejected(m.CREATE_ON_MEET_ROUTE if meet_id is None else m.FRAME_FOR_ANOTHER_MEET)

    def enter(self, live: "LiveMeet", session: Session) -> None:
        """Belong to ``live`` from now on (raises Rejected when it has no room)."""
        if self.live is not live:
            live.attach(self)
            self.leave()
            self.live = live
        self.session = session

    def leave(self) -> None:
        if self.live is not None:
            self.live.detach(self)
            self.live = None
        self.session = None

    def closed(self) -> None:
        self.leave()

    async def track(self, done: "asyncio.Future[Any]") -> None:
        """Keep at most MAX_IN_FLIGHT of this connection's batches, and at most
        ``max_in_flight_bytes`` of their frames, queued in its meet: past that, stop
        reading from the socket until the oldest is answered (one batch alone may be
        larger). Below that, reading goes on (a RECOVERY_UPDATES must never wait behind
        them)."""
        self._in_flight.append(done)
        self._in_flight_bytes.append(self.frame_bytes)
        while True:
            waiting = [i for i, future in enumerate(self._in_flight) if not future.done()]
            self._in_flight = [self._in_flight[i] for i in waiting]
            self._in_flight_bytes = [self._in_flight_bytes[i] for i in waiting]
            too_many = len(waiting) > MAX_IN_FLIGHT
            too_large = len(waiting) > 1 and sum(self._in_flight_bytes) > self.limits.max_in_flight_bytes
            if not (too_many or too_large):
                return
            await asyncio.shield(self._in_flight[0])
