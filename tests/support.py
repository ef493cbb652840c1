"""Test support: a real app on a real port (pytest-tornado's http_server), mounted
under a non-root base path, and a factory of real WebSocket clients that closes them."""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterator

import pytest
import tornado.web
import tornado.websocket

from openlifter.app import make_app
from openlifter.protocol import messages
from openlifter.config import Config, build_config
from openlifter.server import LiveServer

BASE_URL = "/a%40b/"
PASSWORD = "correct horse battery"


def test_config(data_dir: Path, **overrides: Any) -> Config:
    """A config for tests: fast bcrypt, the given data dir, a non-root base path."""
    # Every test client connects from 127.0.0.1: tests that count creates lower the limit.
    values: dict[str, Any] = {
        "data_dir": str(data_dir), "bcrypt_rounds": 4, "base_url": BASE_URL, "recovery_wait_seconds": 1.0, "creates_per_minute": 1000,
    }
    values.update(overrides)
    return build_config(values)


setattr(test_config, "__test__", False)  # a helper, not a test


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


# ---- the store under test: the file store, or the redis store on a private redis-server ----

STORES = ("file", "redis")


class RedisServer:
    """Debian's redis-server on a free port, in a temp folder, set up as the redis store
    requires (appendonly, appendfsync always, noeviction)."""

    def __init__(self, folder: Path, *settings: str) -> None:
        self.port = free_port()
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        command = [
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(folder), "--save", "",
            "--appendonly", "yes", "--appendfsync", "always", "--maxmemory-policy", "noeviction", *settings,
        ]  # fmt: skip
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("redis-server did not start")
                time.sleep(0.02)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def flush(self) -> None:
        import redis

        with redis.Redis.from_url(self.url) as client:
            client.flushall()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One redis-server for the whole run (started on first use)."""
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
def storage_kind() -> str:
    """The file store, unless a module imports each_store."""
    return "file"


@pytest.fixture(params=STORES, name="storage_kind")
def each_store(request: pytest.FixtureRequest) -> str:
    """Imported by a test module whose tests must pass on every store: each test that
    uses the store runs once per store."""
    return str(request.param)


def skip_unless_file_store(storage_kind: str, why: str) -> None:
    """For a test that breaks files under data/ on purpose (the redis store's damaged and
    unreachable records are tests/storage/test_redisstore.py)."""
    if storage_kind != "file":
        pytest.skip(why)


def stored_update_count(store: Any, meet_id: str) -> int:
    """How many updates the store holds durably for a current meet, read behind the
    server's back (without taking the meet)."""
    from openlifter.storage.filestore import FileMeetStore
    from openlifter.storage.store import Place

    if isinstance(store, FileMeetStore):
        log = store.folder(meet_id, Place.CURRENT) / "updates.log"
        return log.read_bytes().count(b"\n") if log.exists() else 0
    return int(store.client.xlen(store.key("meet", meet_id, "log")))


@pytest.fixture
def store_options(request: pytest.FixtureRequest, storage_kind: str) -> dict[str, Any]:
    """Config values selecting the store under test; the redis one starts empty."""
    if storage_kind == "file":
        return {}
    server: RedisServer = request.getfixturevalue("redis_server")
    server.flush()
    return {"storage": "redis", "redis_url": server.url}


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    """Override in a test module to change the served config."""
    return {}


@pytest.fixture
def config(data_dir: Path, config_overrides: dict[str, Any], store_options: dict[str, Any]) -> Config:
    return test_config(data_dir, **{**store_options, **config_overrides})


@pytest.fixture
def live_server(config: Config) -> Iterator[LiveServer]:
    """The server as make_app builds it (closed at the end, started or not)."""
    server = make_app(config)
    yield server
    server.close()


@pytest.fixture
def app(live_server: LiveServer) -> tornado.web.Application:
    """The Tornado application, for pytest-tornado and for reaching the settings."""
    return live_server.application


@pytest.fixture
def http_server(io_loop, live_server: LiveServer, _unused_port) -> Iterator[LiveServer]:
    """pytest-tornado's fixture, replaced: the server starts and stops as the CLI starts
    and stops it (LiveServer.start on pytest-tornado's free port, then stop)."""
    io_loop.run_sync(lambda: live_server.start(listening=[_unused_port[0]], argv=[]))
    yield live_server
    io_loop.run_sync(live_server.stop)


@pytest.fixture
def registry(tmp_path: Path, store_options: dict[str, Any]):
    """A started MeetRegistry on a temp data dir (or the test Redis), for protocol tests
    without a socket."""
    from openlifter.app import store_for
    from openlifter.meet.registry import MeetRegistry
    from openlifter.storage.executor import StorageExecutor

    io = StorageExecutor(2)
    config = test_config(tmp_path / "data", **store_options)
    meets = MeetRegistry(config, io, messages, store=store_for(config))
    meets.start()
    yield meets
    io.shutdown()
    meets.close_files()


class Client:
    """A real WebSocket client speaking JSON frames."""

    def __init__(self, conn: tornado.websocket.WebSocketClientConnection) -> None:
        self.conn = conn

    async def send(self, message: Any) -> None:
        await self.conn.write_message(message if isinstance(message, str) else json.dumps(message))

    async def recv(self, timeout: float = 5.0) -> Any:
        """The next frame as JSON, or None once the server closed the socket."""
        import asyncio

        frame = await asyncio.wait_for(self.conn.read_message(), timeout)
        return None if frame is None else json.loads(frame)

    async def request(self, message: Any, timeout: float = 5.0) -> Any:
        await self.send(message)
        return await self.recv(timeout)

    async def expect_silence(self, seconds: float = 0.2) -> None:
        import asyncio

        try:
            frame = await asyncio.wait_for(self.conn.read_message(), seconds)
        except asyncio.TimeoutError:
            return
        raise AssertionError(f"expected no frame, got {frame!r}")

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def ws_connect(http_server, http_port) -> Iterator[Callable[..., Awaitable[Client]]]:
    """``await ws_connect()`` opens a real WebSocket to the served app's /ws."""
    clients: list[Client] = []

    async def connect(path: str = "ws", **kwargs: Any) -> Client:
        url = f"ws://127.0.0.1:{http_port}{BASE_URL}{path}"
        client = Client(await tornado.websocket.websocket_connect(url, **kwargs))
        clients.append(client)
        return client

    yield connect
    for client in clients:
        client.close()


def endpoints(*pairs: tuple[str, int]) -> list[dict[str, Any]]:
    return [{"locationName": name, "priority": priority} for name, priority in pairs]


def create_message(location: str = "Table", password: str = PASSWORD, pairs=(("Table", 2), ("Weigh-in", 1))) -> dict[str, Any]:
    return {"msgType": "CREATE_MEET", "thisLocationName": location, "password": password, "endpoints": endpoints(*pairs)}


def join_message(meet_id: str, location: str = "Weigh-in", password: str = PASSWORD) -> dict[str, Any]:
    return {"msgType": "JOIN_MEET", "meetId": meet_id, "password": password, "locationName": location}


def update(key: str, value: Any, local: int, after: int = 0) -> dict[str, Any]:
    return {"updateKey": key, "updateValue": value, "localSeqNum": local, "afterServerSeqNum": after}


def update_message(token: str, *updates: dict[str, Any]) -> dict[str, Any]:
    return {"msgType": "UPDATE_INIT", "sessionToken": token, "updates": list(updates)}


def pull_message(token: str, last: int) -> dict[str, Any]:
    return {"msgType": "CLIENT_PULL", "sessionToken": token, "lastServerSeq": last}


# ---- a real server process, for restart and crash tests --------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerProcess:
    """The installed command in a subprocess (for restarts, SIGKILL and SIGTERM)."""

    def __init__(self, data_dir: Path, *extra: str, open_files: int | None = None, cwd: Path | None = None) -> None:
        self.data_dir = data_dir
        self.cwd = cwd  # a folder holding another copy of the package (a deploy), else ours
        self.extra = extra
        self.open_files = open_files  # RLIMIT_NOFILE (soft and hard) of the server process
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir.parent / f"server-{self.port}.log"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def start(self) -> "ServerProcess":
        env = {**os.environ, "OPENLIFTER_LOG_FORMAT": "json"}
        command = [
            sys.executable, "-m", "openlifter", "--port", str(self.port), "--data-dir", str(self.data_dir),
            "--bcrypt-rounds", "4", "--creates-per-minute", "1000", *self.extra,
        ]  # fmt: skip
        self.log_file = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            command, env=env, cwd=self.cwd, stdout=self.log_file, stderr=subprocess.STDOUT, preexec_fn=self._limit_files)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log_file.close()
                raise RuntimeError(f"server exited: {self.log_path.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        # Not left running for a later test to trip over (the fixture never saw it).
        self.kill()
        raise RuntimeError("server did not start")

    def _limit_files(self) -> None:
        if self.open_files is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (self.open_files, self.open_files))

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.log_file.close()

    def terminate(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(10)
        self.log_file.close()
        return code

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def server_process(tmp_path: Path):
    servers: list[ServerProcess] = []

    def start(*extra: str, data_dir: Path | None = None, open_files: int | None = None, cwd: Path | None = None) -> ServerProcess:
        server = ServerProcess(data_dir or tmp_path / "data", *extra, open_files=open_files, cwd=cwd).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        if server.proc and server.proc.poll() is None:
            server.kill()


async def connect_url(url: str) -> Client:
    return Client(await tornado.websocket.websocket_connect(url))
