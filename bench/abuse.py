"""Benchmark: every attack of issue 7 against a real server while a well-behaved meet relays.

For each attack it starts ``python -m openlifter`` in a subprocess on a fresh temporary
data folder, creates a well-behaved meet (a sender at the director's table, a listener at
another table, one update every ``--interval`` seconds, each carrying its send time) and
prepares what the attack needs (unmeasured). Then, in one run and side by side:

  1. the well-behaved meet relays alone for ``--seconds``: its relay p99 *alone*;
  2. the attack runs in a separate client process while the meet relays for the same
     time: its relay p99 *during* the attack (a relay that never comes counts as the
     time waited for it, up to ``--grace`` seconds after the phase).

It prints per attack: its parameters, both p99s and their ratio, the server's peak
memory (VmHWM: the process's peak RSS), whether the goals hold (ratio at most
``--max-ratio``, default 3; peak memory under ``--budget-mib``, default 1024) and what the
attack itself saw (e.g. how many wrong passwords reached bcrypt). Not part of the test
suite. Every attack parameter is a flag (``--help``). Examples:

    .venv/bin/python bench/abuse.py                         # every attack
    .venv/bin/python bench/abuse.py --attacks slowloris join-flood --seconds 5
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import dataclasses
import json
import multiprocessing
import os
import queue
import random
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Awaitable, Callable, Coroutine

import tornado.httpclient
import tornado.websocket

PASSWORD = "benchmark password"
REPO = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--attacks", nargs="*", default=None, help=f"attacks to run (default: all): {' '.join(ATTACKS)}")
    parser.add_argument("--seconds", type=float, default=6.0, help="length of each measured phase (alone, then during the attack)")
    parser.add_argument("--interval", type=float, default=0.02, help="seconds between the well-behaved meet's updates")
    parser.add_argument("--grace", type=float, default=30.0, help="how long to wait after a phase for relays still due")
    parser.add_argument("--max-ratio", type=float, default=3.0, help="goal: relay p99 during an attack at most this times p99 alone")
    parser.add_argument("--budget-mib", type=float, default=1024.0, help="goal: the server's peak RSS under this many MiB")
    parser.add_argument("--attacker-nice", type=int, default=10, help="niceness of the attacker's process (its CPU is not the server's)")
    parser.add_argument("--json", action="store_true", help="also print each result as one JSON line")
    parser.add_argument("--server-args", default="", help="more command-line options for every server (e.g. \"--meet-time-slice-seconds 0.01\")")
    group = parser.add_argument_group("attack parameters")
    group.add_argument("--sparse-updates", type=int, default=22, help="sparse-index: updates sent")
    group.add_argument("--sparse-depth", type=int, default=63, help="sparse-index: [n] segments per key")
    group.add_argument("--sparse-index", type=int, default=100000, help="sparse-index: the n of every [n]")
    group.add_argument("--amp-value-kib", type=int, default=1000, help="rejection-amplification: size of the value every rejection carries")
    group.add_argument("--amp-batch", type=int, default=1000, help="rejection-amplification: conflicting updates in one batch")
    group.add_argument("--judge-entries", type=int, default=20000, help="conflict-judging: entries in the subtree")
    group.add_argument("--judge-batch", type=int, default=300, help="conflict-judging: updates per batch to the subtree's root")
    group.add_argument("--pull-entries", type=int, default=500, help="unread-pulls: entries in the meet (one page)")
    group.add_argument("--pull-value-kib", type=int, default=220, help="unread-pulls: size of each entry's value")
    group.add_argument("--pulls", type=int, default=10, help="unread-pulls: CLIENT_PULLs sent by the socket that never reads")
    group.add_argument("--flood-value-kib", type=int, default=512, help="write-flood: size of each updateValue")
    group.add_argument("--flood-batch", type=int, default=4, help="write-flood: updates per UPDATE_INIT")
    group.add_argument("--create-sockets", type=int, default=8, help="create-flood: sockets creating meets at once")
    group.add_argument("--create-max-meets", type=int, default=1000, help="create-flood: the server's max_meets")
    group.add_argument("--slow-connections", type=int, default=1100, help="slowloris: slow partial requests held open")
    group.add_argument("--slow-file-limit", type=int, default=1024, help="slowloris: the server's RLIMIT_NOFILE")
    group.add_argument("--join-attempts", type=int, default=300, help="join-flood: concurrent wrong passwords from one address")
    group.add_argument("--join-bcrypt-rounds", type=int, default=12, help="join-flood and existence-timing: the server's bcrypt cost")
    group.add_argument("--recovery-every", type=float, default=1.0, help="recovery-pull-ahead: seconds between pulls ahead")
    group.add_argument("--token-sockets", type=int, default=1000, help="token-sockets: sockets attached with one token")
    group.add_argument("--timing-meets", type=int, default=8, help="existence-timing: unloaded meets (and as many unknown ids) probed")
    group.add_argument("--timing-log-entries", type=int, default=20000, help="existence-timing: entries in each unloaded meet's log")
    group.add_argument("--fuzz-frames", type=int, default=20000, help="frame-fuzz: random frames sent (at most for --seconds)")
    return parser.parse_args(argv)


# ---- the server ------------------------------------------------------------------------


# Where a limit is per client address, the attacker's sockets come from an address of
# their own (all of 127/8 is this machine), as an attacker's host would: the well-behaved
# meet, the health probe and the joiner who checks the meet is still open keep 127.0.0.1.
ATTACKER_ADDRESS = "127.0.0.2"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclasses.dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    data_dir: Path
    log_path: Path

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def peak_rss_mib(self) -> float:
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return float("nan")

    def cpu_seconds(self) -> float:
        """User and system CPU time the server has used so far."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return float("nan")

    def stop(self) -> int | None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                return self.proc.wait(10)
        return self.proc.returncode


def start_server(data_dir: Path, flags: list[str], open_files: int | None) -> Server:
    port = free_port()
    log_path = data_dir.parent / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENLIFTER_") and k != "PORT"}
    command = [
        sys.executable, "-m", "openlifter", "--port", str(port), "--data-dir", str(data_dir),
        "--log-level", "INFO", "--log-format", "json", *flags,
    ]  # fmt: skip

    def limit_files() -> None:
        if open_files is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))

    with open(log_path, "ab") as log_file:
        proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=log_file, stderr=subprocess.STDOUT, preexec_fn=limit_files)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}: {log_path.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as response:
                if response.status == 200:
                    return Server(proc, port, data_dir, log_path)
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the server did not start")


# ---- clients ---------------------------------------------------------------------------


async def connect(url: str, source: str | None = None, **kwargs: Any) -> tornado.websocket.WebSocketClientConnection:
    """A WebSocket to ``url``, from the address ``source`` (default: the kernel's pick)."""
    request = tornado.httpclient.HTTPRequest(url, network_interface=source)
    conn = await tornado.websocket.websocket_connect(request, max_message_size=2**31 - 1, **kwargs)
    assert conn.protocol is not None  # set once the handshake is done
    conn.protocol.set_nodelay(True)
    return conn


async def request(conn: tornado.websocket.WebSocketClientConnection, message: dict[str, Any], timeout: float = 120) -> dict[str, Any]:
    await conn.write_message(json.dumps(message))
    frame = await asyncio.wait_for(conn.read_message(), timeout)
    if frame is None:
        raise ConnectionError("the server closed the socket")
    return json.loads(frame)


def endpoints(*pairs: tuple[str, int]) -> list[dict[str, Any]]:
    return [{"locationName": name, "priority": priority} for name, priority in pairs]


async def create_meet(url: str, pairs: tuple[tuple[str, int], ...] = (("Director", 10), ("Table", 5), ("Weigh-in", 1))) -> tuple[Any, dict[str, Any]]:
    conn = await connect(url)
    created = await request(conn, {"msgType": "CREATE_MEET", "thisLocationName": pairs[0][0], "password": PASSWORD, "endpoints": endpoints(*pairs)})
    if created["msgType"] != "MEET_CREATED":
        raise RuntimeError(f"could not create a meet: {created}")
    return conn, created


async def join_meet(url: str, meet_id: str, location: str) -> tuple[Any, dict[str, Any]]:
    conn = await connect(url)
    joined = await request(conn, {"msgType": "JOIN_MEET", "meetId": meet_id, "password": PASSWORD, "locationName": location})
    if joined["msgType"] != "MEET_JOINED":
        raise RuntimeError(f"could not join: {joined}")
    return conn, joined


def update(key: str, value: Any, local: int, after: int = 0) -> dict[str, Any]:
    return {"updateKey": key, "updateValue": value, "localSeqNum": local, "afterServerSeqNum": after}


async def send_updates(conn: Any, token: str, updates: list[dict[str, Any]], per_batch: int) -> int:
    """Send in batches, each after the previous one's answer; returns the head seen."""
    head = 0
    for start in range(0, len(updates), per_batch):
        await conn.write_message(json.dumps({"msgType": "UPDATE_INIT", "sessionToken": token, "updates": updates[start : start + per_batch]}))
        while True:
            answer = json.loads(await asyncio.wait_for(conn.read_message(), 300))
            if answer["msgType"] == "UPDATE_ACK":
                head = max(head, answer["updateAcks"][-1]["serverSeqNum"])
                break
            if answer["msgType"] in ("UPDATE_REJECTED", "MALFORMED_MESSAGE"):
                break
    return head


class RawWebSocket:
    """A WebSocket written by hand on a blocking socket, for clients that never read
    (and a receive buffer as small as the kernel allows)."""

    def __init__(self, port: int, path: str = "/ws", receive_buffer: int | None = 4096) -> None:
        self.sock = socket.socket()
        if receive_buffer is not None:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.connect(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = self.sock.recv(1)
            if not chunk:
                raise ConnectionError("no handshake answer")
            answer += chunk
        if b" 101 " not in answer.split(b"\r\n", 1)[0]:
            raise ConnectionError(answer.split(b"\r\n", 1)[0].decode())

    def send_text(self, text: str) -> None:
        payload = text.encode()
        header = bytearray([0x81])
        if len(payload) < 126:
            header.append(0x80 | len(payload))
        elif len(payload) < 65536:
            header += bytes([0x80 | 126]) + len(payload).to_bytes(2, "big")
        else:
            header += bytes([0x80 | 127]) + len(payload).to_bytes(8, "big")
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload)) if len(payload) < 4096 else _mask(payload, mask)
        self.sock.sendall(bytes(header) + mask + masked)

    def close(self) -> None:
        self.sock.close()


def _mask(payload: bytes, mask: bytes) -> bytes:
    repeated = (mask * (len(payload) // 4 + 1))[: len(payload)]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(len(payload), "big")


# ---- the well-behaved meet -------------------------------------------------------------


class WellBehavedMeet:
    """A director sending one small update every interval and a table listening; both
    answer a RECOVERY_REQUEST at once (they hold nothing beyond the head)."""

    def __init__(self, url: str, interval: float) -> None:
        self.url = url
        self.interval = interval
        self.sent: dict[int, float] = {}
        self.received: dict[int, float] = {}
        self.local = 0
        self.head = 0

    async def open(self) -> "WellBehavedMeet":
        self.sender, created = await create_meet(self.url)
        self.meet_id, self.token, self.display_key = created["meetId"], created["sessionToken"], created["displayKey"]
        self.listener, joined = await join_meet(self.url, self.meet_id, "Table")
        self.listener_token = joined["sessionToken"]
        self.readers = [asyncio.ensure_future(self._read(self.sender, self.token)), asyncio.ensure_future(self._read(self.listener, self.listener_token))]
        return self

    async def _read(self, conn: Any, token: str) -> None:
        while True:
            frame = await conn.read_message()
            if frame is None:
                return
            now = time.perf_counter()
            message = json.loads(frame)
            kind = message["msgType"]
            if kind == "UPDATE_RELAY" and conn is self.listener:
                for item in message["updatesRelayed"]:
                    value = item["updateValue"]
                    if isinstance(value, dict) and "n" in value:
                        self.received.setdefault(value["n"], now)
            elif kind == "UPDATE_ACK":
                self.head = max(self.head, message["updateAcks"][-1]["serverSeqNum"])
            elif kind == "RECOVERY_REQUEST":
                await conn.write_message(json.dumps({"msgType": "RECOVERY_UPDATES", "sessionToken": token, "updates": []}))

    async def measure(self, seconds: float, grace: float) -> dict[str, Any]:
        """Send for ``seconds``; then wait for what is still due (at most ``grace``)."""
        first = self.local + 1
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            self.local += 1
            self.sent[self.local] = time.perf_counter()
            message = {"msgType": "UPDATE_INIT", "sessionToken": self.token, "updates": [update("live.wellBehaved", {"n": self.local}, self.local, self.head)]}
            await self.sender.write_message(json.dumps(message))
            await asyncio.sleep(self.interval)
        numbers = range(first, self.local + 1)
        deadline = time.perf_counter() + grace
        while any(n not in self.received for n in numbers) and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        waited_until = time.perf_counter()
        latencies = [1000 * (self.received.get(n, waited_until) - self.sent[n]) for n in numbers]
        missing = sum(1 for n in numbers if n not in self.received)
        ordered = sorted(latencies)
        return {
            "p50_ms": statistics.median(ordered),
            "p99_ms": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
            "sent": len(ordered),
            "missing": missing,
        }

    def close(self) -> None:
        for reader in self.readers:
            reader.cancel()
        self.sender.close()
        self.listener.close()


# ---- the attacks -----------------------------------------------------------------------


@dataclasses.dataclass
class Context:
    """What an attack's client process needs (picklable)."""

    port: int
    url: str
    victim_meet_id: str
    victim_display_key: str
    seconds: float
    prepared: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class Attack:
    finding: str
    params: Callable[[argparse.Namespace], str]
    run: Callable[[Context, argparse.Namespace], Coroutine[Any, Any, dict[str, Any]]]
    prepare: Callable[[str, argparse.Namespace], Awaitable[dict[str, Any]]] | None = None  # in the bench process, unmeasured
    before_start: Callable[[Path, argparse.Namespace], None] | None = None  # files in the data folder
    flags: Callable[[argparse.Namespace], list[str]] = lambda args: []
    open_files: Callable[[argparse.Namespace], int | None] = lambda args: None


async def hold(seconds: float) -> None:
    await asyncio.sleep(seconds)


async def fetch_discarding(url: str, timeout: float = 600) -> tuple[int, int]:
    """GET a URL, counting the bytes of the answer without keeping them."""
    size = [0]

    def count(chunk: bytes) -> None:
        size[0] += len(chunk)

    client = tornado.httpclient.AsyncHTTPClient(force_instance=True, max_body_size=2**40)
    try:
        response = await client.fetch(url, streaming_callback=count, request_timeout=timeout, raise_error=False)
        return response.code, size[0]
    finally:
        client.close()


# 1. sparse indices


async def sparse_index(ctx: Context, args: argparse.Namespace) -> dict[str, Any]:
    conn, created = await create_meet(ctx.url)
    key_tail = f"[{args.sparse_index}]" * args.sparse_depth
    updates = [update(f"s{i}{key_tail}", i, i + 1) for i in range(args.sparse_updates)]
    answer = await request(conn, {"msgType": "UPDATE_INIT", "sessionToken": created["sessionToken"], "updates": updates}, timeout=600)
    code, size = await fetch_discarding(f"http://127.0.0.1:{ctx.port}/meets/{created['meetId']}/api/state?key={created['displayKey']}")
    reason = answer.get("errMsg") or (answer.get("updatesRejected") or [{}])[0].get("reason")
    return {"answer": answer["msgType"], "reason": reason, "apiStateStatus": code, "apiStateMiB": round(size / MIB, 1)}


# 2. rejection amplification


async def prepare_amplification(url: str, args: argparse.Namespace) -> dict[str, Any]:
    director, created = await create_meet(url)
    chunk = "x" * 1000
    await send_updates(director, created["sessionToken"], [update("amp", [chunk] * args.amp_value_kib, 1)], 1)
    return {"meetId": created["meetId"]}


async def rejection_amplification(ctx: Context, args: argparse.Namespace) -> dict[str, Any]:
    conn, joined = await join_meet(ctx.url, ctx.prepared["meetId"], "Weigh-in")
    updates = [update("amp", i, i + 1) for i in range(args.amp_batch)]
    await conn.write_message(json.dumps({"msgType": "UPDATE_INIT", "sessionToken": joined["sessionToken"], "updates": updates}))
    size = 0
    kinds = []
    while True:
        try:
            frame = await asyncio.wait_for(conn.read_message(), 120)
        except asyncio.TimeoutError:
            break
        if frame is None:  # e.g. a frame past the client's 100 MiB read buffer
            kinds.append(f"socket closed ({conn.close_code or 'by the client'})")
            break
        size += len(frame)
        kinds.append(json.loads(frame)["msgType"])
        if kinds[-1] == "UPDATE_REJECTED" or kinds[-1] == "UPDATE_ACK":
            break
    return {"answers": kinds, "answerMiB": round(size / MIB, 1)}


# 3. conflict judging


async def prepare_judging(url: str, args: argparse.Namespace) -> dict[str, Any]:
    director, created = await create_meet(url)
    entries = [update(f"judge.e[{i}]", {"i": i}, i + 1) for i in range(args.judge_entries)]
    await send_updates(director, created["sessionToken"], entries, 1000)
    return {"meetId": created["meetId"]}


async def conflict_judging(ctx: Context, args: argparse.Namespace) -> dict[str, Any]:
    conn, joined = await join_meet(ctx.url, ctx.prepared["meetId"], "Weigh-in")
    batches, local = 0, 0
    started = time.perf_counter()
    while time.perf_counter() - started < ctx.seconds:
        updates = [update("judge", local + i, local + i + 1) for i in range(args.judge_batch)]
        local += args.judge_batch
        await request(conn, {"msgType": "UPDATE_INIT", "sessionToken": joined["sessionToken"], "updates": updates}, timeout=600)
        batches += 1
    return {"batchesJudged": batches, "secondsPerBatch": round((time.perf_counter() - started) / max(1, batches), 3)}


# 4. pulls by a socket that never reads


async def prepare_pulls(url: str, args: argparse.Namespace) -> dict[str, Any]:
    director, created = await create_meet(url)
    value = "p" * (args.pull_value_kib * 1024)
    per_batch = max(1, (3 * MIB) // len(value))
    await send_updates(director, created["sessionToken"], [update(f"pull.e{i}", value, i + 1) for i in range(args.pull_entries)], per_batch)
    return {"token": created["sessionToken"]}


async def unread_pulls(ctx: Context, args: argparse.Namespace) -> dict[str, Any]:
    raw = RawWebSocket(ctx.port)
    for _ in range(args.pulls):
        raw.send_text(json.dumps({"msgType": "CLIENT_PULL", "sessionToken": ctx.prepared["token"], "lastServerSeq": 0}))
    await hold(ctx.seconds)
    raw.close()
    return {"pullsSent": args.pulls}


# 5. growth: a write flood on one connection, and meets created by one address


async def write_flood(ctx: Context, args: argparse.Namespace) -> dict[str, Any]:
    conn, created = await create_meet(ctx.url)
    value = "w" * (args.flood_value_kib * 1024)
    local, acked, refused = 0, 0, 0
    reason = None
    started = time.perf_counter()
    while time.perf_counter() - started < ctx.seconds:
        updates = []
        for _ in range(args.flood_batch):
            local += 1
            updates.append(update(f"flood.k{local}", value, local))
        answer = await request(conn, {"msgType": "UPDATE_INIT", "sessionToken": created["sessionToken"], "updates": updates}, timeout=120)
        if answer["msgType"] == "UPDATE_ACK":
            acked += len(answer["updateAcks"])
        else:
            refused += 1
            reason = reason or json.dumps(answer)[:160]
    elapsed = time.perf_counter() - started
    return {"ackedMiBPerSecond": round(acked * len(value) / MIB / elapsed, 1), "refusedBatches": refused, "firstRefusal": reason}


async def create_flood(ctx: Context, args: argparse.Namespace) -> dict[str, Any]:
    created, refused = [0], [None]

    async def creator() -> None:
        conn = await connect(ctx.url)
        started = time.perf_counter()
        while time.perf_counter() - started < ctx.seconds:
            answer = await request(conn, {"msgType": "CREATE_MEET", "thisLocationName": "A", "password": PASSWORD, "endpoints": endpoints(("A", 1))})
            if answer["msgType"] == "MEET_CREATED":
                created[0] += 1
            else:
                refused[0] = refused[0] or answer.get("reason")
                await asyncio.sleep(0.05)
        conn.close()

    await asyncio.gather(*(creator() for _ in range(args.create_sockets)))
    return {"meetsCreated": created[0], "perMinute": round(created[0] * 60 / ctx.seconds), "firstRefusal": refused[0]}


# 6. damaged files at start-up


def damaged_meet_files(data_dir: Path, args: argparse.Namespace) -> None:
    import bcrypt  # the server's own dependency

    folder = data_dir / "current-meets" / "123123123"
    folder.mkdir(parents=True)
    auth = {
        "formatVersion": 1, "meetId": "123123123", "displayKey": "k" * 32, "createdAt": time.time(),
        "passwordHash": bcrypt.hashpw(b"x", bcrypt.gensalt(4)).decode(), "endpoints": [{"locationName": "A", "priority": 1}],
    }  # fmt: skip
    (folder / "auth.json").write_text(json.dumps(auth))
    (folder / "updates.log").write_bytes(b"")
    (folder / "sessions.json").write_bytes(b'{"sessions": [')  # cut short


async def damaged_files(ctx: Context, args: argparse.Namespace) -> dict[str, Any]:
    reasons = set()
    started = time.perf_counter()
    while time.perf_counter() - started < ctx.seconds:
        conn = await connect(ctx.url)
        answer = await request(conn, {"msgType": "JOIN_MEET", "meetId": "123123123", "password": "x", "locationName": "A"})
        reasons.add(answer.get("reason") or answer.get("errMsg"))
        conn.close()
        await asyncio.sleep(0.1)
    return {"serverStarted": True, "damagedMeetAnswers": sorted(r for r in reasons if r)}


# 7. slow partial requests at a low file limit


async def slowloris(ctx: Context, args: argparse.Namespace) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    held: list[socket.socket] = []
    opened = failed = 0
    started = time.perf_counter()

    async def open_one() -> None:
        nonlocal opened, failed
        sock = socket.socket()
        sock.setblocking(False)
        sock.bind((ATTACKER_ADDRESS, 0))  # another host than the meets' and the probe's (127.0.0.1)
        try:
            await asyncio.wait_for(loop.sock_connect(sock, ("127.0.0.1", ctx.port)), 5)
            await loop.sock_sendall(sock, b"GET /health HTTP/1.1\r\nHost: slow\r\n")
            held.append(sock)
            opened += 1
        except (OSError, asyncio.TimeoutError):
            sock.close()
            failed += 1

    probes: list[float] = []

    async def probe() -> None:
        while time.perf_counter() - started < ctx.seconds:
            t0 = time.perf_counter()
            try:
                code, _ = await fetch_discarding(f"http://127.0.0.1:{ctx.port}/health", timeout=10)
            except Exception:
                code = 599
            probes.append(time.perf_counter() - t0 if code == 200 else 10.0)
            await asyncio.sleep(0.5)

    prober = asyncio.ensure_future(probe())
    while time.perf_counter() - started < ctx.seconds:
        live = []
        for sock in held:  # keep the count up: reopen what the server closed; trickle a byte
            try:
                sock.send(b"X")
                live.append(sock)
            except OSError:
                sock.close()
        held[:] = live
        missing = args.slow_connections - len(held)
        for start in range(0, missing, 100):
            await asyncio.gather(*(open_one() for _ in range(min(100, missing - start))))
        await asyncio.sleep(1.0)
    await prober
    for sock in held:
        sock.close()
    return {"connectionsOpened": opened, "connectFailures": failed, "healthWorstSeconds": round(max(probes or [10.0]), 2)}


# 8. concurrent wrong passwords from one address


async def join_flood(ctx: Context, args: argparse.Namespace) -> dict[str, Any]:
    reasons: dict[str, int] = {}
    waves = 0
    started = time.perf_counter()

    async def guess(i: int) -> None:
        try:
            conn = await connect(ctx.url)
        except tornado.httpclient.HTTPClientError as refused:  # refused before its handshake
            reason = f"handshake refused ({refused.code} {refused.response.body.decode() if refused.response else ''})"
            reasons[reason] = reasons.get(reason, 0) + 1
            return
        try:
            answer = await request(conn, {"msgType": "JOIN_MEET", "meetId": ctx.victim_meet_id, "password": f"wrong guess {i}", "locationName": "Table"}, timeout=600)
            reason = answer.get("reason", answer["msgType"])
        except ConnectionError:  # closed by the server: say how
            reason = f"socket closed ({conn.close_code} {conn.close_reason})"
        reasons[reason] = reasons.get(reason, 0) + 1
        conn.close()

    while time.perf_counter() - started < ctx.seconds:
        await asyncio.gather(*(guess(i) for i in range(args.join_attempts)))
        waves += 1
    wrong = sum(n for r, n in reasons.items() if "wrong password" in r)
    closed = {r: n for r, n in reasons.items() if r.startswith("socket closed")}
    refused = {r: n for r, n in reasons.items() if r.startswith("handshake refused")}
    return {
        "waves": waves, "attempts": waves * args.join_attempts, "reachedBcrypt": wrong,
        **({"closedByServer": closed} if closed else {}), **({"refusedBeforeHandshake": refused} if refused else {}),
    }  # fmt: skip


# 9. recovery used as a back door


async def recovery_pull_ahead(ctx: Context, args: argparse.Namespace) -> dict[str, Any]:
    conn, joined = await join_meet(ctx.url, ctx.victim_meet_id, "Weigh-in")
    token = joined["sessionToken"]
    started = time.perf_counter()
    pulls = answered = 0
    while time.perf_counter() - started < ctx.seconds:
        await conn.write_message(json.dumps({"msgType": "CLIENT_PULL", "sessionToken": token, "lastServerSeq": 10**9}))
        pulls += 1
        until = time.perf_counter() + args.recovery_every
        while time.perf_counter() < until:
            try:
                frame = await asyncio.wait_for(conn.read_message(), max(0.01, until - time.perf_counter()))
            except asyncio.TimeoutError:
                break
            if frame is None:
                return {"pulls": pulls, "closed": True}
            message = json.loads(frame)
            if message["msgType"] == "RECOVERY_REQUEST":
                head = message["fromServerSeq"]
                forged = [{"serverSeqNum": head + i + 1, "updateKey": f"forged.k{i}", "updateValue": "as the director", "locationName": "Director"} for i in range(3)]
                await conn.write_message(json.dumps({"msgType": "RECOVERY_UPDATES", "sessionToken": token, "updates": forged}))
                answered += 1
    return {"pulls": pulls, "recoveriesAnswered": answered}


def forged_entries(server: Server, meet_id: str) -> int:
    path = server.data_dir / "current-meets" / meet_id / "updates.log"
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return -1
    return sum(1 for line in lines if '"forged.' in line and '"locationName":"Director"' in line)


# 10. one token attaching many sockets


async def token_sockets(ctx: Context, args: argparse.Namespace) -> dict[str, Any]:
    first, created = await create_meet(ctx.url)
    attached = refused = 0
    sockets = []
    for _ in range(args.token_sockets):
        try:
            conn = await connect(ctx.url, ATTACKER_ADDRESS)
        except tornado.httpclient.HTTPClientError:  # refused before its handshake (max_strangers_per_address)
            refused += 1
            continue
        answer = await request(conn, {"msgType": "CLIENT_PULL", "sessionToken": created["sessionToken"], "lastServerSeq": 0})
        attached += answer["msgType"] == "SERVER_PULL"
        sockets.append(conn)
    joiner = await connect(ctx.url)
    join = await request(joiner, {"msgType": "JOIN_MEET", "meetId": created["meetId"], "password": PASSWORD, "locationName": "Table"})
    await hold(max(0.0, ctx.seconds - 1))
    for conn in sockets:
        conn.close()
    return {"socketsAttached": attached, "refusedBeforeHandshake": refused, "joinAfterwards": join.get("reason") or join["msgType"]}


# 11. a resent localSeqNum with a new value


async def resend(ctx: Context, args: argparse.Namespace) -> dict[str, Any]:
    conn, created = await create_meet(ctx.url)
    token = created["sessionToken"]
    first = await request(conn, {"msgType": "UPDATE_INIT", "sessionToken": token, "updates": [update("meet.name", "first", 1)]})
    again = await request(conn, {"msgType": "UPDATE_INIT", "sessionToken": token, "updates": [update("meet.name", "changed", 1)]})
    await hold(ctx.seconds)
    dropped = again["msgType"] == "UPDATE_ACK" and again["updateAcks"] == first.get("updateAcks")
    return {"resendAnswer": again["msgType"], "silentlyDropped": dropped}


# 12. does the time of a wrong password tell whether a meet id exists?


def unloaded_meets(data_dir: Path, args: argparse.Namespace) -> None:
    import bcrypt

    password_hash = bcrypt.hashpw(base64.b64encode(os.urandom(32)), bcrypt.gensalt(args.join_bcrypt_rounds)).decode()
    for index in range(args.timing_meets):
        meet_id = f"7770000{index:02d}"
        folder = data_dir / "current-meets" / meet_id
        folder.mkdir(parents=True)
        auth = {"formatVersion": 1, "meetId": meet_id, "displayKey": "k" * 32, "createdAt": time.time(),
                "passwordHash": password_hash, "endpoints": [{"locationName": "A", "priority": 1}]}  # fmt: skip
        (folder / "auth.json").write_text(json.dumps(auth))
        (folder / "sessions.json").write_text('{"sessions": []}')
        lines = (
            json.dumps({"serverSeqNum": seq, "updateKey": f"registration.entries[{seq}]", "updateValue": {"name": "x" * 40, "seq": seq},
                        "locationName": "A", "priority": 1, "localSeqNum": seq, "receivedAt": 0.0}, separators=(",", ":"))  # fmt: skip
            for seq in range(1, args.timing_log_entries + 1)
        )
        (folder / "updates.log").write_text("\n".join(lines) + "\n")


async def existence_timing(ctx: Context, args: argparse.Namespace) -> dict[str, Any]:
    async def timed(meet_id: str) -> float:
        conn = await connect(ctx.url)
        started = time.perf_counter()
        await request(conn, {"msgType": "JOIN_MEET", "meetId": meet_id, "password": "not the password", "locationName": "A"}, timeout=120)
        elapsed = time.perf_counter() - started
        conn.close()
        return elapsed

    unknown, existing = [], []
    for index in range(args.timing_meets):
        unknown.append(await timed(f"8880000{index:02d}"))
        existing.append(await timed(f"7770000{index:02d}"))
    await hold(max(0.0, ctx.seconds - sum(unknown) - sum(existing)))
    return {
        "unknownIdMs": round(1000 * statistics.median(unknown), 1),
        "unloadedMeetMs": round(1000 * statistics.median(existing), 1),
        "ratio": round(statistics.median(existing) / statistics.median(unknown), 2),
    }


# 13 and 14. secrets in the log, and 500s


async def http_rim(ctx: Context, args: argparse.Namespace) -> dict[str, Any]:
    base = f"http://127.0.0.1:{ctx.port}/"
    key = ctx.victim_display_key
    client = tornado.httpclient.AsyncHTTPClient(force_instance=True)
    codes = {}
    targets = {
        "static NUL": ("GET", "static/x%00", None, {}),
        "deep JSON to /admin/log-level": ("POST", "admin/log-level", "[" * 100_000, {"Authorization": "Bearer bench-admin-token"}),
        "4xx with the key": ("GET", f"meets/{ctx.victim_meet_id}/api/lifting?key={key}&day=one", None, {}),
        "404 with the key": ("GET", f"meets/{ctx.victim_meet_id}/api/lifting?key={key}&day=9&platform=9", None, {}),
    }
    for name, (method, path, body, headers) in targets.items():
        response = await client.fetch(tornado.httpclient.HTTPRequest(base + path, method=method, body=body, headers=headers), raise_error=False)
        codes[name] = response.code
    client.close()
    await hold(ctx.seconds)
    return {"status": codes}


# the protocol fuzz, as a load


async def frame_fuzz(ctx: Context, args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(7)
    conn, created = await create_meet(ctx.url)
    token = created["sessionToken"]
    pieces = ['{"msgType":', '"UPDATE_INIT"', '"CLIENT_PULL"', '"JOIN_MEET"', '"sessionToken":', f'"{token}"', '"updates":', "[", "]", "{", "}",
              ",", "null", "1e999", "-1", '"\\ud800"', '"x"', "[[[[[[[[", '"updateKey":"a[99999]"', '"lastServerSeq":', "9" * 30]  # fmt: skip
    replies = [0]

    async def count_replies() -> None:
        while await conn.read_message() is not None:
            replies[0] += 1

    reader = asyncio.ensure_future(count_replies())
    sent = 0
    started = time.perf_counter()
    while sent < args.fuzz_frames and time.perf_counter() - started < ctx.seconds and not reader.done():
        await conn.write_message("".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))))
        sent += 1
        if sent % 20 == 0:
            await asyncio.sleep(0.001)  # let the replies in
    await asyncio.sleep(1.0)
    reader.cancel()
    return {"framesSent": sent, "replies": replies[0], "closeCode": conn.close_code}


ATTACKS: dict[str, Attack] = {
    "sparse-index": Attack("1", lambda a: f"{a.sparse_updates} updates, keys of {a.sparse_depth} x [{a.sparse_index}], then GET /api/state", sparse_index),
    "rejection-amplification": Attack(
        "2", lambda a: f"{a.amp_batch} conflicting updates against a {a.amp_value_kib} KiB value", rejection_amplification, prepare_amplification
    ),
    "conflict-judging": Attack(
        "3", lambda a: f"batches of {a.judge_batch} updates to the root of a {a.judge_entries}-entry subtree", conflict_judging, prepare_judging
    ),
    "unread-pulls": Attack(
        "4", lambda a: f"{a.pulls} CLIENT_PULLs of {a.pull_entries} x {a.pull_value_kib} KiB by a socket that never reads", unread_pulls, prepare_pulls
    ),
    "write-flood": Attack("5", lambda a: f"one socket, batches of {a.flood_batch} x {a.flood_value_kib} KiB values, as fast as acked", write_flood),
    "create-flood": Attack(
        "5", lambda a: f"{a.create_sockets} sockets of one address creating meets (max_meets {a.create_max_meets})", create_flood,
        flags=lambda a: ["--max-meets", str(a.create_max_meets)],
    ),
    "damaged-files": Attack("6", lambda a: "a meet whose sessions.json is cut short, joined in a loop", damaged_files, before_start=damaged_meet_files),
    "slowloris": Attack(
        "7", lambda a: f"{a.slow_connections} slow partial requests at RLIMIT_NOFILE {a.slow_file_limit}", slowloris,
        open_files=lambda a: a.slow_file_limit,
    ),
    "join-flood": Attack(
        "8", lambda a: f"waves of {a.join_attempts} concurrent wrong passwords from one address (bcrypt cost {a.join_bcrypt_rounds})", join_flood,
        flags=lambda a: ["--bcrypt-rounds", str(a.join_bcrypt_rounds)],
    ),
    "recovery-pull-ahead": Attack("9", lambda a: f"a Weigh-in session of the meet pulls ahead every {a.recovery_every} s, answers as 'Director'", recovery_pull_ahead),
    "token-sockets": Attack("10", lambda a: f"{a.token_sockets} sockets attached with one token (max_connections_per_meet 200)", token_sockets),
    "resend": Attack("11", lambda a: "a localSeqNum resent with a new value", resend),
    "existence-timing": Attack(
        "12", lambda a: f"wrong passwords: {a.timing_meets} unknown ids vs {a.timing_meets} unloaded meets of {a.timing_log_entries} entries", existence_timing,
        before_start=unloaded_meets, flags=lambda a: ["--bcrypt-rounds", str(a.join_bcrypt_rounds)],
    ),
    "http-rim": Attack("13, 14", lambda a: "GET /static/x%00, deep JSON to /admin/log-level, 4xx answers carrying the display key", http_rim,
                       flags=lambda a: ["--admin-token", "bench-admin-token"]),
    "frame-fuzz": Attack("fuzz", lambda a: f"{a.fuzz_frames} random frames on one socket", frame_fuzz),
}


# ---- running one attack ----------------------------------------------------------------


def attacker_process(name: str, ctx: Context, args: argparse.Namespace, results: "multiprocessing.Queue[dict[str, Any]]") -> None:
    # A real attacker's CPU is not the server's: on this shared box the attacker yields
    # the cores to the server and the well-behaved meet (--attacker-nice 0 to not yield).
    os.nice(args.attacker_nice)
    try:
        seen = asyncio.run(ATTACKS[name].run(ctx, args))
    except Exception as error:  # the attacker failing is a result too (e.g. refused sockets)
        seen = {"attackerError": f"{error.__class__.__name__}: {error}"[:200]}
    usage = resource.getrusage(resource.RUSAGE_SELF)
    results.put({**seen, "attackerCpuSeconds": round(usage.ru_utime + usage.ru_stime, 1)})


async def attacker_report(attacker: Any, results: Any, timeout: float) -> dict[str, Any]:
    """What the attacker process saw, polled so that nothing blocks the event loop."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return results.get_nowait()
        except queue.Empty:
            pass
        if not attacker.is_alive():
            try:
                return results.get(timeout=1)
            except queue.Empty:
                return {"attackerError": f"the attacker exited with {attacker.exitcode}"}
        await asyncio.sleep(0.1)
    return {"attackerError": "no report in time"}


async def run_attack(name: str, args: argparse.Namespace) -> dict[str, Any]:
    attack = ATTACKS[name]
    workdir = Path(tempfile.mkdtemp(prefix=f"openlifter-abuse-{name}-"))
    data_dir = workdir / "data"
    data_dir.mkdir()
    if attack.before_start is not None:
        attack.before_start(data_dir, args)
    server = start_server(data_dir, ["--bcrypt-rounds", "4", *attack.flags(args), *args.server_args.split()], attack.open_files(args))
    result: dict[str, Any] = {"attack": name, "finding": attack.finding, "parameters": attack.params(args)}
    try:
        victim = await WellBehavedMeet(server.ws_url, args.interval).open()
        prepared = await attack.prepare(server.ws_url, args) if attack.prepare else {}
        cpu_before, wall_before = server.cpu_seconds(), time.perf_counter()
        alone = await victim.measure(args.seconds, args.grace)
        cpu_alone = (server.cpu_seconds() - cpu_before) / (time.perf_counter() - wall_before)
        ctx = Context(server.port, server.ws_url, victim.meet_id, victim.display_key, args.seconds, prepared)
        results: multiprocessing.Queue[dict[str, Any]] = multiprocessing.get_context("spawn").Queue()
        attacker = multiprocessing.get_context("spawn").Process(target=attacker_process, args=(name, ctx, args, results))
        attacker.start()
        await asyncio.sleep(0.5)  # the attacker's interpreter starting is not the attack
        cpu_before, wall_before = server.cpu_seconds(), time.perf_counter()
        during = await victim.measure(args.seconds, args.grace)
        cpu_during = (server.cpu_seconds() - cpu_before) / (time.perf_counter() - wall_before)
        seen = await attacker_report(attacker, results, args.seconds + 600)
        attacker.join(10)
        if attacker.is_alive():
            attacker.kill()
        if name == "recovery-pull-ahead":
            seen["forgedEntriesStoredAsDirector"] = forged_entries(server, victim.meet_id)
        if name == "http-rim":
            log_text = server.log_path.read_text(errors="replace")
            seen["displayKeyInLog"] = log_text.count(victim.display_key)
        victim.close()
        result.update(
            alone_p99_ms=round(alone["p99_ms"], 1), during_p99_ms=round(during["p99_ms"], 1),
            ratio=round(during["p99_ms"] / alone["p99_ms"], 2) if alone["p99_ms"] > 0 else float("inf"),
            missing_relays=during["missing"], peak_rss_mib=round(server.peak_rss_mib()), attack_saw=seen,
            server_cpu_alone=round(100 * cpu_alone), server_cpu_during=round(100 * cpu_during), load_average=os.getloadavg()[0],
        )  # fmt: skip
        result["log_mib"] = round(server.log_path.stat().st_size / MIB, 1)
    finally:
        result["server_exit"] = server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    result["goal"] = "met" if result.get("ratio", float("inf")) <= args.max_ratio and result.get("peak_rss_mib", float("inf")) < args.budget_mib else "MISSED"
    return result


def stop_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)  # unwinds through run_attack, which stops its server


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    names = args.attacks or list(ATTACKS)
    unknown = [n for n in names if n not in ATTACKS]
    if unknown:
        raise SystemExit(f"unknown attack {unknown[0]!r}; choose from {', '.join(ATTACKS)}")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 8192 <= hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (8192, hard))  # the attackers hold many sockets
    print(f"well-behaved meet: one update every {args.interval * 1000:g} ms, {args.seconds:g} s alone then {args.seconds:g} s under attack; "
          f"goals: p99 ratio <= {args.max_ratio:g}, peak RSS < {args.budget_mib:g} MiB; cpus={os.cpu_count()}")  # fmt: skip
    print(f"{'attack':<24} {'finding':<7} {'p99 alone':>10} {'p99 during':>11} {'ratio':>7} {'peak RSS':>9} {'goal':>6}  what the attack saw")
    for name in names:
        try:
            result = asyncio.run(run_attack(name, args))
        except Exception as error:
            result = {"attack": name, "finding": ATTACKS[name].finding, "error": f"{error.__class__.__name__}: {error}"[:300], "goal": "MISSED"}
        if "error" in result:
            print(f"{name:<24} {result['finding']:<7} error: {result['error']}")
        else:
            print(
                f"{name:<24} {result['finding']:<7} {result['alone_p99_ms']:>8.1f}ms {result['during_p99_ms']:>9.1f}ms {result['ratio']:>7.2f} "
                f"{result['peak_rss_mib']:>6} MiB {result['goal']:>6}  {json.dumps(result['attack_saw'])} missing={result['missing_relays']} log={result['log_mib']}MiB"
                f" server CPU {result['server_cpu_alone']}% -> {result['server_cpu_during']}% (machine load {result['load_average']:.1f})"
            )
            print(f"{'':<24} {'':<7} parameters: {result['parameters']}")
        if args.json:
            print(json.dumps(result))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
