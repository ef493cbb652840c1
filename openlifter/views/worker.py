"""View work off the IOLoop: the channel from the server to a view worker process, and the
process itself (issue 10: "a relay never waits for a view").

The IOLoop side (``ViewChannel``) only ships each durable round (its entries, pickled once)
to the worker and hands the frames and answers that come back to the publishers; the
worker (``worker_main``) runs a ``ViewService`` (``views/host.py``): it applies the entries
to its copy of each meet's state, derives, diffs and renders. One ordered channel per
worker: a display's snapshot and the frames after it come back in the order they were made.

Bounded: at most ``cap_bytes`` are sent and not yet read by the worker (it gives credit
back as it reads) and at most ``cap_bytes`` wait unsent. A meet's unsent rounds coalesce
into one message; when they would pass the cap, they are replaced by a re-attach, which
reads the meet's durable state when it is sent (the worker then shows the newest state, and
a patch spans several seqs). A worker that dies (EOF on its socket) is started again and
every meet re-attached from its durable state; relays never depend on it.

``view_workers = 0`` runs the same service on the IOLoop (``InProcessChannel``), for tools
and tests: the same messages, no process.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import multiprocessing
import pickle
import select
import signal
import socket
import time
from collections import deque
from typing import Any, Awaitable, Callable

from openlifter.meet.jsonvalue import copy_json
from openlifter.views.feed import feed_for
from openlifter.views.host import ViewHost, ViewService
from openlifter.views.pages import page_renderer

log = logging.getLogger(__name__)

HEADER = 4  # bytes of length in front of each pickled message
READ_BYTES = 1 << 20
RESTART_PAUSE_SECONDS = 1.0  # a worker that keeps dying is started at most this often
ATTACH_RETRY_SECONDS = 0.002  # a re-attach waits for the state to be durable (no batch between apply and fsync)

# meet_id -> (seq, state) while the meet's state is durable, else None (asked again soon);
# KeyError when the meet is no longer served
StateSource = Callable[[str], "tuple[int, dict[str, Any]] | None"]
# (meet_id, derived, frames) -> fanned out to the meet's displays
FrameSink = Callable[[str, int, list[Any]], Awaitable[None]]


@dataclasses.dataclass(frozen=True)
class WorkerSettings:
    """What a worker process needs to build its ViewService (picklable)."""

    templates_dir: str
    base_url: str
    static_versions: dict[str, str]
    coalesce_seconds: float
    # Sets up the worker's logging as the server's (a picklable callable: its warnings are
    # lines of the same log, in the same format); None: plain warnings on stderr.
    setup_logging: Callable[[], None] | None = None


def make_service(settings: WorkerSettings) -> ViewService:
    renderer = page_renderer(settings.templates_dir, settings.base_url, settings.static_versions)
    return ViewService(ViewHost(lambda variant, views: feed_for(renderer, variant, views), renderer), settings.coalesce_seconds)


def pack(message: tuple[Any, ...]) -> bytes:
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return len(body).to_bytes(HEADER, "big") + body


# ---- the worker process ------------------------------------------------------------------


def worker_main(sock: socket.socket, settings: WorkerSettings) -> None:
    """A view worker: read messages, answer them, give credit for what it read; exits when
    the server closes its end."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops it (a Ctrl-C reaches the whole group)
    if settings.setup_logging is not None:
        settings.setup_logging()
    else:
        logging.basicConfig(level=logging.WARNING)
    service = make_service(settings)
    sock.setblocking(True)
    buffer = bytearray()
    while True:
        due = service.due_at()
        timeout = None if due is None else max(0.0, due - time.monotonic())
        readable, _, _ = select.select([sock], [], [], timeout)
        if readable:
            received = 0
            while True:  # everything already there: a worker behind coalesces
                data = sock.recv(READ_BYTES)
                if not data:
                    return
                buffer += data
                received += len(data)
                if not select.select([sock], [], [], 0)[0]:
                    break
            out: list[tuple[Any, ...]] = []
            now = time.monotonic()
            while len(buffer) >= HEADER:
                size = int.from_bytes(buffer[:HEADER], "big")
                if len(buffer) < HEADER + size:
                    break
                message = pickle.loads(buffer[HEADER:HEADER + size])
                del buffer[:HEADER + size]
                out += service.receive(message, now)
            out.append(("credit", received))
            sock.sendall(b"".join(pack(message) for message in out))
        ready = service.tick(time.monotonic())
        if ready:
            sock.sendall(b"".join(pack(message) for message in ready))


# ---- the IOLoop side -----------------------------------------------------------------------


@dataclasses.dataclass
class _Unsent:
    """One message waiting in the outbox. A meet has at most one unsent ``apply`` or
    ``attach`` (state) message: later rounds join it."""

    kind: str
    meet_id: str
    message: tuple[Any, ...] = ()  # want, drop, ask, detach: sent as it is
    seq: int = 0
    rounds: list[bytes] = dataclasses.field(default_factory=list)  # apply: pickled entry lists
    size: int = 0


class ViewChannel:
    """The ordered, bounded way to one view service; subclasses carry the messages."""

    def __init__(self, cap_bytes: int, source: StateSource, on_frames: FrameSink) -> None:
        self.cap_bytes = cap_bytes
        self.source = source
        self.on_frames = on_frames
        self.on_restart: list[Callable[[], None]] = []  # the publishers re-attach their meets
        self._outbox: deque[_Unsent] = deque()
        self._state_messages: dict[str, _Unsent] = {}  # meet -> its unsent apply or attach
        self._unsent_bytes = 0
        self._in_flight = 0  # sent, not yet credited
        self._requests: dict[int, tuple[asyncio.Future[tuple[int, str]], _Unsent]] = {}
        self._next_request = 0
        self._retry: asyncio.TimerHandle | None = None
        self.overflows = 0  # rounds replaced by a re-attach (tests, metrics)
        self.restarts = 0

    # ---- what the publishers send ----------------------------------------------------------

    def attach(self, meet_id: str) -> None:
        """Send the meet's durable state (read when it goes out)."""
        unsent = self._state_messages.get(meet_id)
        if unsent is not None and unsent.kind == "attach":
            return
        if unsent is not None:  # its rounds are in the state it will read
            self._forget(unsent)
            unsent.kind, unsent.rounds, unsent.size = "attach", [], 0
        else:
            unsent = self._state_messages[meet_id] = _Unsent("attach", meet_id)
            self._outbox.append(unsent)
        self._flush()

    def apply(self, meet_id: str, seq: int, entries: list[tuple[str, Any]]) -> None:
        """The entries of one durable round (the last at ``seq``)."""
        unsent = self._state_messages.get(meet_id)
        if unsent is not None and unsent.kind == "attach":
            return  # the state it reads when sent holds this round
        rounds = pickle.dumps(entries, protocol=pickle.HIGHEST_PROTOCOL)
        if self._unsent_bytes + len(rounds) > self.cap_bytes:
            self.overflows += 1
            self.attach(meet_id)  # the worker is behind: it gets the newest state instead
            return
        if unsent is None:
            unsent = self._state_messages[meet_id] = _Unsent("apply", meet_id)
            self._outbox.append(unsent)
        unsent.seq = seq
        unsent.rounds.append(rounds)
        unsent.size += len(rounds)
        self._unsent_bytes += len(rounds)
        self._flush()

    def post(self, message: tuple[Any, ...]) -> None:
        """A want, drop or detach, in order after everything sent before it."""
        self._outbox.append(_Unsent(message[0], message[1], message))
        self._flush()

    async def ask(self, meet_id: str, min_seq: int, question: tuple[Any, ...]) -> tuple[int, str]:
        """A page or API answer at least at ``min_seq``: (status, body or reason)."""
        self._next_request += 1
        request_id = self._next_request
        unsent = _Unsent("ask", meet_id, ("ask", meet_id, request_id, min_seq, question))
        future: asyncio.Future[tuple[int, str]] = asyncio.get_running_loop().create_future()
        self._requests[request_id] = (future, unsent)
        self._outbox.append(unsent)
        self._flush()
        try:
            return await future
        finally:
            self._requests.pop(request_id, None)

    def backlog(self) -> tuple[int, int]:
        """(bytes sent and not yet read by the service, bytes of rounds waiting unsent)."""
        return self._in_flight, self._unsent_bytes

    def _forget(self, unsent: _Unsent) -> None:
        self._unsent_bytes -= unsent.size

    # ---- sending -------------------------------------------------------------------------

    def _flush(self) -> None:
        """Send what the credit allows, in order."""
        while self._retry is None and self._outbox and self._ready() and self._send_batch():
            pass

    def _send_batch(self) -> bool:
        batch: list[tuple[Any, ...]] = []
        sizes = 0
        while self._outbox and (self._in_flight + sizes < self.cap_bytes or not (self._in_flight or batch)):
            unsent = self._outbox[0]
            if unsent.kind == "attach":
                try:
                    durable = self.source(unsent.meet_id)
                except KeyError:  # unloaded meanwhile
                    durable, unsent.kind, unsent.message = None, "gone", ("detach", unsent.meet_id)
                if unsent.kind == "gone":
                    message: tuple[Any, ...] = unsent.message
                elif durable is None:  # a batch is between apply and fsync: look again soon
                    self._retry = asyncio.get_running_loop().call_later(ATTACH_RETRY_SECONDS, self._retry_flush)
                    break
                else:
                    message = ("attach", unsent.meet_id, durable[0], self._copy(durable[1]))
            elif unsent.kind == "apply":
                message = ("apply", unsent.meet_id, unsent.seq, unsent.rounds)
            else:
                message = unsent.message
            self._outbox.popleft()
            if self._state_messages.get(unsent.meet_id) is unsent:
                del self._state_messages[unsent.meet_id]
            self._forget(unsent)
            batch.append(message)
            sizes += unsent.size + 64
            if message[0] == "attach":
                break  # a whole state: what follows goes as its credit allows
        if batch:
            self._in_flight += self._transmit(batch)
        return bool(batch)

    def _retry_flush(self) -> None:
        self._retry = None
        self._flush()

    def _credit(self, received: int) -> None:
        self._in_flight = max(0, self._in_flight - received)
        self._flush()

    async def _dispatch(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "credit":
            self._credit(message[1])
        elif kind == "answer":
            waiting = self._requests.get(message[1])
            if waiting is not None and not waiting[0].done():
                waiting[0].set_result((message[2], message[3]))
        elif kind == "frames":
            await self.on_frames(message[1], message[2], message[3])

    def _restarted(self) -> None:
        """A fresh service: nothing of the old one's holds. The publishers re-attach their
        meets and want their variants again; the requests still waiting are asked again."""
        self.restarts += 1
        self._outbox.clear()
        self._state_messages.clear()
        self._unsent_bytes = self._in_flight = 0
        for hook in self.on_restart:
            hook()
        for _, unsent in self._requests.values():
            self._outbox.append(unsent)
        self._flush()

    # ---- the carrier ---------------------------------------------------------------------

    def _ready(self) -> bool:
        raise NotImplementedError

    def _copy(self, state: dict[str, Any]) -> dict[str, Any]:
        return state  # pickling copies it

    def _transmit(self, batch: list[tuple[Any, ...]]) -> int:
        """Send the messages; returns the bytes now in flight for them."""
        raise NotImplementedError

    def start(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class InProcessChannel(ViewChannel):
    """``view_workers = 0``: the service runs on the IOLoop, fed through the same outbox."""

    def __init__(self, service: ViewService, cap_bytes: int, source: StateSource, on_frames: FrameSink) -> None:
        super().__init__(cap_bytes, source, on_frames)
        self.service = service
        self._inbox: asyncio.Queue[tuple[Any, ...]] | None = None
        self._task: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None

    def _ready(self) -> bool:
        return True

    def _copy(self, state: dict[str, Any]) -> dict[str, Any]:
        return copy_json(state)  # the host applies entries to its own copy

    def _transmit(self, batch: list[tuple[Any, ...]]) -> int:
        now = time.monotonic()
        replies = [reply for message in batch for reply in self.service.receive(message, now)]
        for reply in replies:
            self._queue(reply)
        self._arm_timer()
        return 0

    def _queue(self, reply: tuple[Any, ...]) -> None:
        if self._inbox is None:
            self._inbox = asyncio.Queue()
        self._inbox.put_nowait(reply)
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._deliver())

    async def _deliver(self) -> None:
        assert self._inbox is not None
        while not self._inbox.empty():
            try:
                await self._dispatch(self._inbox.get_nowait())
            except Exception:
                log.exception("delivering view frames failed")

    def _arm_timer(self) -> None:
        due = self.service.due_at()
        if due is None or self._timer is not None:
            return
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(max(0.0, due - time.monotonic()), self._tick)

    def _tick(self) -> None:
        self._timer = None
        for reply in self.service.tick(time.monotonic()):
            self._queue(reply)
        self._arm_timer()

    def start(self) -> None:
        pass

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._task is not None and not self._task.get_loop().is_closed():
            self._task.cancel()


class WorkerChannel(ViewChannel):
    """A view worker process (forkserver: started from a clean process, not a fork of the
    server's threads), restarted when it dies."""

    def __init__(self, settings: WorkerSettings, cap_bytes: int, source: StateSource, on_frames: FrameSink, stall_seconds: float = 10.0) -> None:
        super().__init__(cap_bytes, source, on_frames)
        self.settings = settings
        self.stall_seconds = stall_seconds
        self.process: Any = None  # multiprocessing's process object once started
        self._writer: asyncio.StreamWriter | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._last_start = 0.0
        self._heard_at = 0.0  # monotonic time of the worker's last message
        self._waiting_since: float | None = None  # since when it has had bytes to read, unanswered
        self.stalls = 0  # workers killed for not answering (tests, logs)

    def _ready(self) -> bool:
        if self._writer is None:
            self.start()
            return False
        return True

    def _transmit(self, batch: list[tuple[Any, ...]]) -> int:
        assert self._writer is not None
        data = b"".join(pack(message) for message in batch)
        self._writer.write(data)
        if self._waiting_since is None:
            self._waiting_since = time.monotonic()
        return len(data)

    def _credit(self, received: int) -> None:
        super()._credit(received)
        if not self._in_flight:
            self._waiting_since = None

    def _hung(self, now: float) -> bool:
        """It has had work to read, and has said nothing, for ``stall_seconds``."""
        return self._waiting_since is not None and now - max(self._waiting_since, self._heard_at) > self.stall_seconds

    async def _watch(self, process: Any) -> None:
        """Kill a worker that stopped answering (stopped, or stuck in a loop): its
        socket then ends, and it is replaced as if it had died."""
        while True:
            await asyncio.sleep(self.stall_seconds / 4)
            if self._hung(time.monotonic()):
                self.stalls += 1
                log.error(
                    "a view worker stopped answering: killed, another is started (view_worker_stall_seconds)",
                    extra={"stallSeconds": self.stall_seconds, "pid": process.pid},
                )
                process.kill()
                return

    def start(self) -> None:
        if self._closed or (self._task is not None and not self._task.done()):
            return
        self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        """Start the worker, read what it sends until it ends; start it again if it died."""
        while not self._closed:
            pause = self._last_start + RESTART_PAUSE_SECONDS - time.monotonic()
            if pause > 0 and self.process is not None:
                await asyncio.sleep(pause)
            self._last_start = time.monotonic()
            ours, theirs = socket.socketpair()
            try:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(["openlifter.views.worker"])
                process = context.Process(target=worker_main, args=(theirs, self.settings), daemon=True, name="openlifter-views")
                # Starting it may start the fork server (an import of the package): not on the IOLoop.
                await asyncio.get_running_loop().run_in_executor(None, process.start)
            except asyncio.CancelledError:
                ours.close()  # closed meanwhile: a worker that did start reads EOF and ends
                raise
            except Exception:
                log.exception("starting a view worker failed")
                ours.close()
                await asyncio.sleep(RESTART_PAUSE_SECONDS)
                continue
            finally:
                theirs.close()
            if self._closed:
                ours.close()
                process.kill()
                return
            restarted, self.process = self.process is not None, process
            reader, writer = await asyncio.open_unix_connection(sock=ours)
            self._writer = writer
            self._heard_at, self._waiting_since = time.monotonic(), None
            watchdog = asyncio.ensure_future(self._watch(process))
            if restarted:
                self._restarted()
            else:
                self._flush()
            try:
                await self._read(reader)
            finally:
                watchdog.cancel()
                self._writer = None
                writer.close()
            if not self._closed:
                log.error("a view worker ended; starting another, its meets re-attached", extra={"exitcode": process.exitcode})
                process.join(0.1)

    async def _read(self, reader: asyncio.StreamReader) -> None:
        while True:
            try:
                size = int.from_bytes(await reader.readexactly(HEADER), "big")
                message = pickle.loads(await reader.readexactly(size))
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            self._heard_at = time.monotonic()
            try:
                await self._dispatch(message)
            except Exception:
                log.exception("delivering view frames failed")

    def close(self) -> None:
        """Stop the worker (synchronous: the tests and the server's close call it)."""
        self._closed = True
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._task is not None and not self._task.get_loop().is_closed():
            self._task.cancel()
        process, self.process = self.process, None
        if process is not None and process.is_alive():
            process.kill()
            process.join(1.0)
