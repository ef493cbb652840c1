"""One client connection on the protocol side: parse, dispatch, translate errors.

Knows nothing of Tornado: it gets a ``send`` callable (tests pass ``sent.append``) and
is fed text frames. ``receive`` never raises, so the socket stays open after bad input.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Mapping, Protocol

from openlifter.auth.sessions import Session
from openlifter.meet.budget import ByteRate, TimeSlice
from openlifter.meet.errors import Rejected
from openlifter.meet.registry import MeetRegistry
from openlifter.protocol import messages as m
from openlifter.protocol.schema import Limits, Malformed, Steps, parse_envelope
from openlifter.storage.files import StorageError

if TYPE_CHECKING:
    from openlifter.meet.live import LiveMeet
    from openlifter.protocol.commands import Command

log = logging.getLogger(__name__)

MAX_IN_FLIGHT = 32


class MessageObserver(Protocol):
    """What a connection reports for metrics: each message by type, how long its handler
    took ("unknown" and "malformed" for frames that have no known type), and a socket
    refused before it was served (by the option that refused it)."""

    def message(self, msg_type: str) -> None: ...

    def handled(self, msg_type: str, seconds: float) -> None: ...

    def refused(self, limit: str) -> None: ...


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
        self._in_flight: list[asyncio.Future[Any]] = []
        self.observer = observer
        self._in_flight_bytes: list[int] = []  # the frame size of each batch in flight
        self.frame_bytes = 0  # size of the frame being handled
        self.frame: str | bytes = ""  # the frame being handled
        # Serves the socket through the process that holds a meet, from the frame being
        # handled on (a shared store); True once it does. Set by the socket handler.
        self.hand_over: Callable[[str, str | bytes], Awaitable[bool]] | None = None
        self.intake = ByteRate(limits.max_receive_bytes_per_second, limits.receive_burst_bytes)
        self.slowed = False  # said once in the log: this connection sends faster than its rate
        self.gone = False  # the socket closed: a frame still waiting (rate, turn) is dropped

    @property
    def location(self) -> str | None:
        return self.session.location if self.session else None

    async def receive(self, text: str | bytes) -> None:
        msg_type: str | None = None
        counted = "malformed"
        started = time.perf_counter()
        # A frame of many items is validated in slices that take turns with other
        # connections' and meets' long work (LoopShare, owned by this connection): past
        # its first slice, or at once if its last frame's rest is not over.
        try:
            self.frame_bytes = len(text)
            self.frame = text
            await self._keep_to_rate()
            if self.live is None:  # a stranger's frame (create, join, a first token): one per turn
                await self.registry.loop_share.take_turn(self.registry.loop_share.strangers)
            if self.gone:  # closed while it waited: unanswered, so the client sends it again
                return
            started = time.perf_counter()  # the handler's time, not the waits
            time_slice = self.registry.loop_share.slice(self)
            try:
                msg_type, message = parse_envelope(text)
                command = self.commands.get(msg_type)
                counted = msg_type if command else "unknown"
                if self.observer is not None:
                    self.observer.message(counted)
                if command is None:
                    self.send(m.unknown_message_type(msg_type[:100]))
                    return
                request = await self._parse(command.parse(message, self.limits), time_slice)
            finally:
                time_slice.close()
            await command.handle(self, request)
        except HandedOver:
            return
        except Exception as error:
            if msg_type is None and self.observer is not None:
                self.observer.message(counted)
            self.send(translate_error(msg_type, error))
        finally:
            self.frame = ""  # not held past its handling: a connection keeps no big frame
            if self.observer is not None:
                self.observer.handled(counted, time.perf_counter() - started)

    async def _keep_to_rate(self) -> None:
        """Wait until this frame is within max_receive_bytes_per_second (nothing more is
        read from the socket meanwhile)."""
        wait = self.intake.take(self.frame_bytes)
        if wait <= 0:
            return
        if not self.slowed:
            self.slowed = True
            log.info("reading a connection slowed (max_receive_bytes_per_second)", extra={"address": self.address, "waitSeconds": round(wait, 3)})
        await asyncio.sleep(wait)

    @staticmethod
    async def _parse(parsed: "Steps[Any] | Any", time_slice: TimeSlice) -> Any:
        """The typed request; a parser of many items (a generator) runs item by item,
        letting other work run between slices."""
        if not inspect.isgenerator(parsed):
            return parsed
        while True:
            try:
                next(parsed)
            except StopIteration as done:
                return done.value
            await time_slice.tick()

    async def authenticate(self, token: str) -> "tuple[LiveMeet, Session]":
        """The meet and session of a token; the connection now belongs to that meet."""
        session = await self.registry.session_for(token)
        if session is not None:
            self.check_meet(session.meet_id)
            if self.live is None and self.hand_over is not None and await self.hand_over(session.meet_id, self.frame):
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
        if self.gone:  # closed while the request waited (for bcrypt, say): never attached
            raise Rejected(m.CONNECTION_CLOSED)
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
        self.gone = True
        self.hand_over = None  # a bound method of the socket: the cycle would wait for the collector
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
