"""The listening socket and its connections: Tornado's HTTPServer with the rim guards.

Tornado glue, built once in the CLI. What it adds to Tornado's server:
- a cap on open connections (HTTP and WebSocket alike), so sockets can never use up the
  file descriptors that meet logs and session files need. At the cap, the connection
  that has waited longest for its request headers makes room (a slow partial request
  is the cheapest thing to drop); if every connection is busy, the new one gets a 503;
- a cap on strangers per client address (``max_strangers_per_address``, counted in
  ``meet.budget.Strangers``): a connection counts from the moment it is accepted until
  its first request's headers are in (a protocol socket counts again until it is in a
  meet); past the cap a new connection of that address is answered 503 and closed in
  the accept callback itself, so a crowd from one address costs one short refusal per
  socket instead of a request and a handshake each;
- accepting pauses, with one warning, when the process is out of file descriptors
  anyway (Tornado's own accept loop would log the error and retry at once, forever);
- behind a proxy, the client address is the one the proxy itself set: of
  ``X-Forwarded-For`` only the last hop (the proxy appends it), ``X-Real-Ip`` only when
  the proxy is said to set it; a header the client sent itself is dropped.
Header and body timeouts are Tornado's own (``idle_connection_timeout`` is also the
time allowed for a request's headers to arrive).
"""

from __future__ import annotations

import errno
import logging
import resource
import socket
import time
import weakref
from typing import Any, Awaitable, Callable, Iterable

import tornado.httpserver
import tornado.httputil
import tornado.ioloop
import tornado.iostream
import tornado.web

from openlifter.config import Config
from openlifter.meet.budget import Strangers
from openlifter.meet.errors import STRANGERS_REFUSED

log = logging.getLogger("openlifter.http")

ACCEPT_BATCH = 16  # connections accepted per wake-up: few, so other sockets get their turn in between
OUT_OF_FILES = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)
ACCEPT_PAUSE_SECONDS = 0.25
WARN_EVERY_SECONDS = 10.0
PRUNE_EVERY_SECONDS = 0.05
REFUSAL_READ_BYTES = 16 * 1024  # of a refused connection's request, read so that closing does not reset it


def refusal(reason: str) -> bytes:
    """A whole 503 answer, sent in one write to a socket that is then closed."""
    body = reason.encode()
    return b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


SERVER_FULL = refusal("the server has as many connections as it may (max_connections); try again later")


def fit_connection_cap(config: Config) -> int:
    """``max_connections``, lowered if the open-file limit cannot hold it plus the
    ``reserved_file_descriptors``. The soft limit is first raised as far as allowed."""
    wanted = config.max_connections + config.reserved_file_descriptors
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        raised = wanted if hard == resource.RLIM_INFINITY else min(hard, wanted)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return config.max_connections
    cap = max(1, soft - config.reserved_file_descriptors if soft > config.reserved_file_descriptors else soft // 2)
    log.warning(
        "max_connections lowered to fit the open-file limit",
        extra={"maxConnections": config.max_connections, "effective": cap, "openFileLimit": soft,
               "reservedFileDescriptors": config.reserved_file_descriptors},
    )
    return cap


class _WarnNowAndThen:
    """One log line per interval for a condition that may repeat thousands of times."""

    def __init__(self, message: str) -> None:
        self.message = message
        self.last = -WARN_EVERY_SECONDS
        self.count = 0

    def __call__(self, **extra: Any) -> None:
        self.count += 1
        now = time.monotonic()
        if now - self.last >= WARN_EVERY_SECONDS:
            log.warning(self.message, extra={"times": self.count, **extra})
            self.last, self.count = now, 0


class _WatchHeaders(tornado.httputil.HTTPMessageDelegate):
    """Passes a request on, noting when its headers are complete (and, behind a proxy,
    dropping the address headers the proxy does not set itself)."""

    def __init__(self, delegate: tornado.httputil.HTTPMessageDelegate, on_headers: Callable[[], None], drop: tuple[str, ...]) -> None:
        self.delegate = delegate
        self.on_headers = on_headers
        self.drop = drop

    def headers_received(
        self, start_line: tornado.httputil.RequestStartLine | tornado.httputil.ResponseStartLine, headers: tornado.httputil.HTTPHeaders
    ) -> Awaitable[None] | None:
        self.on_headers()
        for name in self.drop:
            if name in headers:
                del headers[name]
        return self.delegate.headers_received(start_line, headers)

    def data_received(self, chunk: bytes) -> Awaitable[None] | None:
        return self.delegate.data_received(chunk)

    def finish(self) -> None:
        self.delegate.finish()

    def on_connection_close(self) -> None:
        self.delegate.on_connection_close()


def untrusted_address_headers(config: Config) -> tuple[str, ...]:
    """Headers a client could set to pick its own address (or scheme) behind our proxy."""
    if not config.trust_proxy_headers:
        return ()
    if config.proxy_client_header.lower() == "x-real-ip":
        return ("X-Forwarded-For",)
    return ("X-Real-Ip", "X-Scheme")


class GuardedHTTPServer(tornado.httpserver.HTTPServer):
    def initialize(  # type: ignore[override]
        self,
        request_callback: Any,
        *,
        max_connections: int,
        drop_headers: tuple[str, ...] = (),
        strangers: Strangers | None = None,
        refused: Callable[[str], None] = lambda limit: None,
        **kwargs: Any,
    ) -> None:
        super().initialize(request_callback, **kwargs)
        self.max_connections = max_connections
        self.refused = refused  # counts each refusal by the option that made it (metrics)
        self.drop_headers = drop_headers
        # Sockets per client address still sending their first request (None behind a
        # proxy: every socket comes from the proxy's address; the protocol socket
        # handler counts by the forwarded one).
        self.strangers = strangers
        self._open: "weakref.WeakSet[socket.socket]" = weakref.WeakSet()
        # Streams waiting for a request's headers, oldest first (dicts keep order), each
        # with its socket while it counts as a stranger (its first request). A stream
        # is waiting from the moment it is accepted: Tornado starts reading its request
        # only on a later turn of the loop.
        self._waiting: dict[tornado.iostream.IOStream, socket.socket | None] = {}
        self._pruned_at = 0.0
        self._resume: dict[int, Any] = {}
        self._warn_out_of_files = _WarnNowAndThen("out of file descriptors: accepting paused")
        self._warn_full = _WarnNowAndThen("max_connections reached: new connection refused (503)")
        self._warn_evicted = _WarnNowAndThen("no room for a new connection: the oldest partial request was closed")
        self._warn_strangers = _WarnNowAndThen("too many connections of one address still sending requests: new one refused (503)")
        self._refuse_strangers = refusal(STRANGERS_REFUSED) if strangers is not None else b""

    @property
    def open_connections(self) -> int:
        return len(self._open)

    # ---- accepting -------------------------------------------------------------------

    def add_sockets(self, sockets: Iterable[socket.socket]) -> None:
        for sock in sockets:
            self._sockets[sock.fileno()] = sock
            self._handlers[sock.fileno()] = self._watch(sock)

    def _watch(self, sock: socket.socket) -> Callable[[], None]:
        loop = tornado.ioloop.IOLoop.current()
        fd = sock.fileno()
        loop.add_handler(sock, lambda _fd, _events: self._accept(sock), tornado.ioloop.IOLoop.READ)

        def stop_watching() -> None:
            loop.remove_handler(sock)
            timer = self._resume.pop(fd, None)
            if timer is not None:
                loop.remove_timeout(timer)

        return stop_watching

    def _accept(self, sock: socket.socket) -> None:
        for _ in range(ACCEPT_BATCH):
            try:
                connection, address = sock.accept()
            except BlockingIOError:
                return
            except ConnectionAbortedError:
                continue
            except OSError as error:
                if error.errno not in OUT_OF_FILES:
                    raise
                if self._evict_oldest_waiting():
                    continue  # that freed a descriptor
                self._pause(sock, error)
                return
            if len(self._open) >= self.max_connections and not self._make_room():
                self._warn_full(maxConnections=self.max_connections)
                self._refuse(connection, SERVER_FULL)
                self.refused("max_connections")
                continue
            if self.strangers is not None and not self.strangers.arrive(connection, client_address(address)):
                self._warn_strangers(maxStrangersPerAddress=self.strangers.per_address)
                self._refuse(connection, self._refuse_strangers)
                self.refused("max_strangers_per_address")
                continue
            self._open.add(connection)
            self._handle_connection(connection, address)

    def _pause(self, sock: socket.socket, error: OSError) -> None:
        """Stop accepting for a moment: the listening socket stays readable while the
        backlog is full, so retrying at once would spin (and log) without end."""
        loop = tornado.ioloop.IOLoop.current()
        fd = sock.fileno()
        loop.remove_handler(sock)
        self._warn_out_of_files(error=error.strerror, openConnections=len(self._open))

        def resume() -> None:
            self._resume.pop(fd, None)
            if not self._stopped:
                loop.add_handler(sock, lambda _fd, _events: self._accept(sock), tornado.ioloop.IOLoop.READ)

        self._resume[fd] = loop.call_later(ACCEPT_PAUSE_SECONDS, resume)

    def _make_room(self) -> bool:
        now = time.monotonic()
        if now - self._pruned_at >= PRUNE_EVERY_SECONDS:  # sockets closed but not yet freed
            self._pruned_at = now
            for closed in [s for s in self._open if s.fileno() == -1]:
                self._open.discard(closed)
            if len(self._open) < self.max_connections:
                return True
        return self._evict_oldest_waiting()

    def _evict_oldest_waiting(self) -> bool:
        while self._waiting:
            stream = next(iter(self._waiting))
            self._headers_done(stream)
            if not stream.closed():
                stream.close()
                self._warn_evicted(openConnections=len(self._open))
                return True
        return False

    @staticmethod
    def _refuse(connection: socket.socket, answer: bytes) -> None:
        try:
            connection.setblocking(False)
            # What the client sent already is read first: closing on unread bytes
            # resets the connection, and the client would never see the answer.
            connection.recv(REFUSAL_READ_BYTES)
        except OSError:
            pass
        try:
            connection.send(answer)
        except OSError:
            pass
        connection.close()

    # ---- requests ----------------------------------------------------------------------

    def handle_stream(self, stream: tornado.iostream.IOStream, address: tuple[Any, ...]) -> None:
        self._waiting[stream] = stream.socket
        super().handle_stream(stream, address)

    def start_request(self, server_conn: object, request_conn: tornado.httputil.HTTPConnection) -> tornado.httputil.HTTPMessageDelegate:
        stream = server_conn.stream  # type: ignore[attr-defined]
        self._waiting.setdefault(stream, None)  # the next request of a kept-alive connection
        delegate = super().start_request(server_conn, request_conn)
        return _WatchHeaders(delegate, lambda: self._headers_done(stream), self.drop_headers)

    def _headers_done(self, stream: tornado.iostream.IOStream) -> None:
        """``stream`` no longer waits for headers (they came, or it closed)."""
        sock = self._waiting.pop(stream, None)
        if sock is not None and self.strangers is not None:
            self.strangers.settle(sock)

    def on_close(self, server_conn: object) -> None:
        self._headers_done(server_conn.stream)  # type: ignore[attr-defined]
        super().on_close(server_conn)


def client_address(address: Any) -> str:
    """The host part of an accepted socket's peer address ('' for a Unix socket)."""
    return str(address[0]) if isinstance(address, tuple) and address else ""


def make_server(
    app: tornado.web.Application,
    config: Config,
    max_connections: int,
    strangers: Strangers | None = None,
    ssl_options: Any = None,
    refused: Callable[[str], None] = lambda limit: None,
) -> GuardedHTTPServer:
    return GuardedHTTPServer(
        app,
        ssl_options=ssl_options,
        max_connections=max_connections,
        refused=refused,
        strangers=None if config.trust_proxy_headers else strangers,
        drop_headers=untrusted_address_headers(config),
        xheaders=config.trust_proxy_headers,
        max_body_size=config.max_message_bytes,
        idle_connection_timeout=config.http_header_timeout_seconds,
        body_timeout=config.http_body_timeout_seconds,
    )
