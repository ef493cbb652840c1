"""Benchmark: acknowledged updates per second, and ACK and relay latency, through the real
server with its durable log (every ACK waits for an fsync of updates.log; group commit).

It starts ``python -m openlifter`` in a subprocess on its own temporary data folder, creates
several meets, and per meet runs updating sockets that stream batches (a few batches in
flight each, like a busy scoring table) and listening sockets that only receive relays.
After a warm-up it measures for N seconds and prints:

  - acknowledged updates per second (and batches per second),
  - ACK latency p50/p99: from sending an UPDATE_INIT to receiving its UPDATE_ACK,
  - relay latency p50/p99: from sending an update to its UPDATE_RELAY arriving at a
    listening socket (the send time travels inside the update's value).

Client sockets can be spread over several processes (``--client-procs``) so that the
Python clients are not the bottleneck; each process owns whole meets, so every latency is
measured against one process's clock. Not part of the test suite. Example:

    .venv/bin/python bench/bench_updates.py --seconds 10 --meets 4 --updaters 2 --listeners 2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import tornado.websocket

PASSWORD = "benchmark password"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured duration (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured warm-up before it (default 2)")
    parser.add_argument("--meets", type=int, default=4, help="meets at once (default 4)")
    parser.add_argument("--updaters", type=int, default=2, help="updating sockets per meet (default 2)")
    parser.add_argument("--listeners", type=int, default=2, help="listening sockets per meet (default 2)")
    parser.add_argument("--batch", type=int, default=5, help="updates per UPDATE_INIT (default 5)")
    parser.add_argument("--window", type=int, default=4, help="unacknowledged batches per updating socket (default 4)")
    parser.add_argument("--value-bytes", type=int, default=64, help="padding in each updateValue (default 64)")
    parser.add_argument("--client-procs", type=int, default=1, help="client processes; meets are split between them (default 1)")
    parser.add_argument("--data-dir", help="server data folder (default: a new temporary folder, removed afterwards)")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    return parser.parse_args(argv)


# ---- the server ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(data_dir: Path, port: int, extra_args: tuple[str, ...] = (), root: Path | None = None) -> subprocess.Popen[bytes]:
    """``python -m openlifter`` from ``root`` (default: this checkout), e.g. an older tree to compare with."""
    repo = root or Path(__file__).resolve().parent.parent
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENLIFTER_") and k != "PORT"}
    command = [
        sys.executable, "-m", "openlifter",
        "--port", str(port), "--data-dir", str(data_dir),
        "--bcrypt-rounds", "4", "--log-level", "WARNING", "--log-format", "json",
        "--max-pending-messages", "100000",
        "--creates-per-minute", "100000",  # every benchmark meet is created from this host
        *extra_args,
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=repo, env=env)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise SystemExit("the server did not start")


# ---- clients ---------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class Clock:
    """Decides whether an event falls inside the measured window."""

    def __init__(self, warmup: float, seconds: float) -> None:
        now = time.perf_counter()
        self.start, self.end = now + warmup, now + warmup + seconds

    def measuring(self, at: float) -> bool:
        return self.start <= at < self.end

    def over(self) -> bool:
        return time.perf_counter() >= self.end


async def connect(url: str) -> tornado.websocket.WebSocketClientConnection:
    """A client socket with TCP_NODELAY, as browsers open theirs."""
    conn = await tornado.websocket.websocket_connect(url, max_message_size=64 * 1024 * 1024)
    assert conn.protocol is not None  # set once the handshake is done
    conn.protocol.set_nodelay(True)
    return conn


async def request(conn: tornado.websocket.WebSocketClientConnection, message: dict[str, Any]) -> dict[str, Any]:
    await conn.write_message(json.dumps(message))
    frame = await conn.read_message()
    assert frame is not None, "the server closed the socket"
    return json.loads(frame)


class Updater:
    def __init__(self, conn, token: str, name: str, args: argparse.Namespace, clock: Clock, stats: dict[str, Any]) -> None:
        self.conn, self.token, self.name, self.args, self.clock, self.stats = conn, token, name, args, clock, stats
        self.window = asyncio.Semaphore(args.window)
        self.sent_at: dict[int, float] = {}  # first localSeqNum of a batch -> send time
        self.head = 0  # highest serverSeqNum this client has seen, sent as afterServerSeqNum

    async def write(self) -> None:
        local = 0
        pad = "x" * self.args.value_bytes
        while not self.clock.over():
            await self.window.acquire()
            if self.clock.over():
                break
            now = time.perf_counter()
            first = local + 1
            updates = []
            for _ in range(self.args.batch):
                local += 1
                key = f"bench.{self.name}.u{local % 1000}"
                updates.append({"updateKey": key, "updateValue": {"t": now, "pad": pad}, "localSeqNum": local, "afterServerSeqNum": self.head})
            self.sent_at[first] = now
            await self.conn.write_message(json.dumps({"msgType": "UPDATE_INIT", "sessionToken": self.token, "updates": updates}))
        self.stats["done"] = True

    async def read(self) -> None:
        while not (self.clock.over() and not self.sent_at):
            try:
                frame = await asyncio.wait_for(self.conn.read_message(), 0.5)
            except asyncio.TimeoutError:
                continue
            if frame is None:
                return
            message = json.loads(frame)
            kind = message["msgType"]
            now = time.perf_counter()
            if kind == "UPDATE_ACK":
                acks = message["updateAcks"]
                self.head = max(self.head, acks[-1]["serverSeqNum"])
                sent = self.sent_at.pop(acks[0]["localSeqNum"], None)
                if sent is not None and self.clock.measuring(now):
                    self.stats["ack_ms"].append(1000 * (now - sent))
                    self.stats["acked"] += len(acks)
                    self.stats["batches"] += 1
                self.window.release()
            elif kind == "UPDATE_RELAY":
                # Updaters hear each other; latency is measured at the listeners.
                self.head = max(self.head, message["updatesRelayed"][-1]["serverSeqNum"])
            else:
                self.stats["errors"].append(message)
                self.window.release()


async def listen(conn, clock: Clock, stats: dict[str, Any]) -> None:
    while not clock.over():
        try:
            frame = await asyncio.wait_for(conn.read_message(), max(0.05, clock.end - time.perf_counter()))
        except asyncio.TimeoutError:
            continue
        if frame is None:
            return
        now = time.perf_counter()
        message = json.loads(frame)
        if message["msgType"] == "UPDATE_RELAY" and clock.measuring(now):
            for item in message["updatesRelayed"]:
                stats["relay_ms"].append(1000 * (now - item["updateValue"]["t"]))
            stats["relayed"] += len(message["updatesRelayed"])


async def run_meets(url: str, meets: int, args: argparse.Namespace) -> dict[str, Any]:
    stats: dict[str, Any] = {"ack_ms": [], "relay_ms": [], "acked": 0, "batches": 0, "relayed": 0, "errors": []}
    locations = [f"Table {i}" for i in range(args.updaters)] + ["Display"]
    endpoints = [{"locationName": name, "priority": len(locations) - i} for i, name in enumerate(locations)]
    conns = []
    jobs = []
    prepared = []
    for m in range(meets):
        creator = await connect(url)
        conns.append(creator)
        created = await request(creator, {"msgType": "CREATE_MEET", "thisLocationName": locations[0], "password": PASSWORD, "endpoints": endpoints})
        assert created["msgType"] == "MEET_CREATED", created
        updaters = [(creator, created["sessionToken"])]
        for location in locations[1 : args.updaters]:
            conn = await connect(url)
            conns.append(conn)
            joined = await request(conn, {"msgType": "JOIN_MEET", "meetId": created["meetId"], "password": PASSWORD, "locationName": location})
            updaters.append((conn, joined["sessionToken"]))
        listeners = []
        for _ in range(args.listeners):
            conn = await connect(url)
            conns.append(conn)
            joined = await request(conn, {"msgType": "JOIN_MEET", "meetId": created["meetId"], "password": PASSWORD, "locationName": "Display"})
            assert joined["msgType"] == "MEET_JOINED", joined
            listeners.append(conn)
        prepared.append((m, updaters, listeners))
    clock = Clock(args.warmup, args.seconds)
    for m, updaters, listeners in prepared:
        for u, (conn, token) in enumerate(updaters):
            updater = Updater(conn, token, f"m{m}u{u}", args, clock, stats)
            jobs += [updater.write(), updater.read()]
        jobs += [listen(conn, clock, stats) for conn in listeners]
    await asyncio.wait_for(asyncio.gather(*jobs), args.warmup + args.seconds + 30)
    for conn in conns:
        conn.close()
    return stats


def client_process(url: str, meets: int, args: argparse.Namespace, results: "multiprocessing.Queue[dict[str, Any]]") -> None:
    results.put(asyncio.run(run_meets(url, meets, args)))


# ---- main ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    temporary = args.data_dir is None
    data_dir = Path(tempfile.mkdtemp(prefix="openlifter-bench-")) / "data" if temporary else Path(args.data_dir)
    port = free_port()
    server = start_server(data_dir, port)
    url = f"ws://127.0.0.1:{port}/ws"
    try:
        shares = [args.meets // args.client_procs + (1 if i < args.meets % args.client_procs else 0) for i in range(args.client_procs)]
        if args.client_procs == 1:
            parts = [asyncio.run(run_meets(url, args.meets, args))]
        else:
            results: multiprocessing.Queue[dict[str, Any]] = multiprocessing.Queue()
            procs = [multiprocessing.Process(target=client_process, args=(url, n, args, results)) for n in shares if n]
            for proc in procs:
                proc.start()
            parts = [results.get(timeout=args.warmup + args.seconds + 120) for _ in procs]
            for proc in procs:
                proc.join()
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(30)
        if temporary:
            shutil.rmtree(data_dir.parent, ignore_errors=True)
    ack_ms = [v for p in parts for v in p["ack_ms"]]
    relay_ms = [v for p in parts for v in p["relay_ms"]]
    acked = sum(p["acked"] for p in parts)
    batches = sum(p["batches"] for p in parts)
    relayed = sum(p["relayed"] for p in parts)
    errors = [e for p in parts for e in p["errors"]]
    figures = {
        "acked_updates_per_s": round(acked / args.seconds),
        "acked_batches_per_s": round(batches / args.seconds),
        "relayed_updates_per_s_at_listeners": round(relayed / args.seconds),
        "ack_ms_p50": round(percentile(ack_ms, 0.50), 2),
        "ack_ms_p99": round(percentile(ack_ms, 0.99), 2),
        "relay_ms_p50": round(percentile(relay_ms, 0.50), 2),
        "relay_ms_p99": round(percentile(relay_ms, 0.99), 2),
        "errors": len(errors),
        "server_exit_code": code,
    }
    print(
        f"meets={args.meets} updaters/meet={args.updaters} listeners/meet={args.listeners} batch={args.batch} "
        f"window={args.window} value_bytes={args.value_bytes} client_procs={args.client_procs} seconds={args.seconds:g} cpus={os.cpu_count()}"
    )
    print(f"acknowledged updates/s: {figures['acked_updates_per_s']}  (batches/s: {figures['acked_batches_per_s']})")
    print(f"relayed updates/s received by listeners: {figures['relayed_updates_per_s_at_listeners']}")
    print(f"ACK latency   p50 {figures['ack_ms_p50']:.2f} ms   p99 {figures['ack_ms_p99']:.2f} ms")
    print(f"relay latency p50 {figures['relay_ms_p50']:.2f} ms   p99 {figures['relay_ms_p99']:.2f} ms")
    if errors:
        print(f"errors: {len(errors)}, first: {errors[0]}")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
