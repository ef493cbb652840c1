"""Benchmark: several server processes on one Redis (SPEC section 8) against one process on
the file store, side by side in one run, and the time a failover takes.

1. The same load (bench_updates.py's meets, updating and listening sockets) against one
   ``--storage file`` process, then against three ``--storage redis`` processes sharing a
   private ``redis-server`` (appendfsync always): each process holds a third of the meets
   (created on it), and one client process drives each server process. Prints durable
   updates/s and relay p99 of both and their ratios.
2. Failover: a meet's owner is killed (SIGKILL) while a client writes to it; the client
   joins again on another process (``/meets/<meetId>/ws``) until it is served there and an
   update is acknowledged. Prints that time, against ``meet_lease_seconds``.
3. Displays on any process: one meet (``--display-lifters`` lifters) on ``--display-processes``
   processes sharing the Redis, ``--displays`` overlay feed sockets opened by
   ``--display-clients`` client processes; an attempt mark is sent to the owner and the
   time from its ``UPDATE_ACK`` to the last display's frame is taken, with the displays
   spread evenly over every process (the others show the meet from their read-only copy)
   and then, on the same processes, all on the owner. Prints both and their ratio.

Needs ``redis-server`` on the PATH (./scripts/test installs it). Not part of the test
suite. Example:

    .venv/bin/python bench/bench_redis.py --seconds 10 --meets 6
    .venv/bin/python bench/bench_redis.py --only-displays --displays 10000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_updates import PASSWORD, connect, free_port, percentile, request, run_meets, start_server
from bench_views import OVERLAY, create_meet, fanout_process, feed_url, marks_of
from display_states import national_state


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured duration of each side (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured warm-up before it (default 2)")
    parser.add_argument("--meets", type=int, default=6, help="meets at once, split over the processes (default 6)")
    parser.add_argument("--processes", type=int, default=3, help="server processes on Redis (default 3)")
    parser.add_argument("--updaters", type=int, default=2, help="updating sockets per meet (default 2)")
    parser.add_argument("--listeners", type=int, default=2, help="listening sockets per meet (default 2)")
    parser.add_argument("--batch", type=int, default=5, help="updates per UPDATE_INIT (default 5)")
    parser.add_argument("--window", type=int, default=4, help="unacknowledged batches per updating socket (default 4)")
    parser.add_argument("--value-bytes", type=int, default=64, help="padding in each updateValue (default 64)")
    parser.add_argument("--lease", type=float, default=2.0, help="meet_lease_seconds of the failover runs (default 2)")
    parser.add_argument("--failovers", type=int, default=3, help="failovers measured (default 3)")
    parser.add_argument("--displays", type=int, default=10_000, help="display sockets of the display fan-out (default 10000; 0: skip it)")
    parser.add_argument("--display-processes", type=int, default=4, help="server processes the displays spread over (default 4)")
    parser.add_argument("--display-clients", type=int, default=8, help="client processes holding the displays (default 8)")
    parser.add_argument("--display-lifters", type=int, default=100, help="lifters in the displayed meet (default 100)")
    parser.add_argument("--display-changes", type=int, default=3, help="attempt marks measured per side (default 3)")
    parser.add_argument("--display-gap", type=float, default=3.0, help="seconds between two marks (default 3)")
    parser.add_argument("--only-displays", action="store_true", help="run the display fan-out alone")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    return parser.parse_args(argv)


def start_redis(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [
        "redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder), "--save", "",
        "--appendonly", "yes", "--appendfsync", "always", "--maxmemory-policy", "noeviction",
    ]  # fmt: skip
    redis = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    time.sleep(0.3)
    return redis, f"redis://127.0.0.1:{port}/0"


def client_process(url: str, meets: int, args: argparse.Namespace, results: "multiprocessing.Queue[dict[str, Any]]") -> None:
    results.put(asyncio.run(run_meets(url, meets, args)))


def drive(urls: list[str], args: argparse.Namespace) -> dict[str, Any]:
    """One client process per server process, each on its share of the meets."""
    shares = [args.meets // len(urls) + (1 if i < args.meets % len(urls) else 0) for i in range(len(urls))]
    results: multiprocessing.Queue[dict[str, Any]] = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=client_process, args=(url, n, args, results)) for url, n in zip(urls, shares) if n]
    for proc in procs:
        proc.start()
    parts = [results.get(timeout=args.warmup + args.seconds + 120) for _ in procs]
    for proc in procs:
        proc.join()
    relay_ms = [v for p in parts for v in p["relay_ms"]]
    return {
        "acked_updates_per_s": round(sum(p["acked"] for p in parts) / args.seconds),
        "relay_ms_p99": round(percentile(relay_ms, 0.99), 2),
        "relay_ms_p50": round(percentile(relay_ms, 0.50), 2),
        "errors": sum(len(p["errors"]) for p in parts),
    }


def stop(servers: list[subprocess.Popen[bytes]]) -> None:
    for server in servers:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
    for server in servers:
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()


async def meet_with_one_update(port: int) -> str:
    """A meet created on the process at ``port`` (which then holds it), with one update."""
    owner_url = f"ws://127.0.0.1:{port}/ws"
    creator = await connect(owner_url)
    created = await request(creator, {
        "msgType": "CREATE_MEET", "thisLocationName": "Table", "password": PASSWORD, "endpoints": [{"locationName": "Table", "priority": 1}],
    })  # fmt: skip
    meet_id = created["meetId"]
    ack = await request(creator, {"msgType": "UPDATE_INIT", "sessionToken": created["sessionToken"], "updates": [
        {"updateKey": "meet.name", "updateValue": "before", "localSeqNum": 1, "afterServerSeqNum": 0},
    ]})  # fmt: skip
    assert ack["msgType"] == "UPDATE_ACK", ack
    creator.close()
    return str(meet_id)


async def failover_after_kill(spare_port: int, meet_id: str, killed_at: float, deadline: float) -> float:
    """Seconds from the kill of the owner to the first ACK on the spare process."""
    url = f"ws://127.0.0.1:{spare_port}/meets/{meet_id}/ws"
    joined: dict[str, Any] = {}
    while time.monotonic() < deadline:
        conn = await connect(url)
        # Until the dead owner's lease runs out the spare relays to it, fails, and closes.
        await conn.write_message(json.dumps({"msgType": "JOIN_MEET", "meetId": meet_id, "password": PASSWORD, "locationName": "Table"}))
        frame = await conn.read_message()
        joined = json.loads(frame) if frame is not None else {"msgType": "CLOSED"}
        if joined["msgType"] == "MEET_JOINED":
            ack = await request(conn, {"msgType": "UPDATE_INIT", "sessionToken": joined["sessionToken"], "updates": [
                {"updateKey": "meet.city", "updateValue": "after", "localSeqNum": 1, "afterServerSeqNum": 1},
            ]})  # fmt: skip
            conn.close()
            if ack["msgType"] == "UPDATE_ACK":
                return time.monotonic() - killed_at
        conn.close()
        await asyncio.sleep(0.05)
    raise SystemExit(f"no failover before the deadline (last answer: {joined})")


def failovers(redis_url: str, folder: Path, args: argparse.Namespace) -> list[float]:
    times = []
    for run in range(args.failovers):
        ports = [free_port(), free_port()]
        options = ("--storage", "redis", "--redis-url", redis_url, "--meet-lease-seconds", str(args.lease))
        servers = [start_server(folder / f"f{run}-{i}", port, options) for i, port in enumerate(ports)]
        try:
            meet_id = asyncio.run(meet_with_one_update(ports[0]))
            servers[0].kill()
            killed_at = time.monotonic()
            times.append(asyncio.run(failover_after_kill(ports[1], meet_id, killed_at, killed_at + 30)))
        finally:
            stop(servers)
    return times


# ---- displays on any process -------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def display_fanout(owner_url: str, display_urls: list[str], server_pids: list[int], args: argparse.Namespace) -> dict[str, Any]:
    """A meet created on ``owner_url``; ``args.displays`` overlay feeds spread evenly over
    ``display_urls`` (client processes take turns over them); the time from each mark's
    UPDATE_ACK to the last display's frame showing it, and the CPU time the server
    processes spent from one mark to the next (all of them, and the busiest one): unlike
    the times, these do not depend on how busy the machine is."""
    meet = await create_meet(owner_url, national_state(args.display_lifters))
    feeds = [feed_url(url, meet, dict(OVERLAY, platform="1")) for url in display_urls]
    results: "multiprocessing.Queue[Any]" = multiprocessing.Queue()
    ready, done = multiprocessing.Semaphore(0), multiprocessing.Event()
    clients = max(args.display_clients, len(feeds))
    shares = [args.displays // clients + (1 if i < args.displays % clients else 0) for i in range(clients)]
    procs = [multiprocessing.Process(target=fanout_process, args=(feeds[i % len(feeds)], n, ready, done, results)) for i, n in enumerate(shares) if n]
    opened = time.monotonic()
    for proc in procs:
        proc.start()
    for _ in procs:
        while not ready.acquire(timeout=0.05):
            await asyncio.sleep(0.05)
    opened = time.monotonic() - opened
    acked: dict[int, float] = {}
    cpu_ms: list[list[float]] = []  # per mark: the CPU ms of each server process until the next mark
    await asyncio.sleep(args.display_gap)
    for key, value in marks_of(national_state(args.display_lifters))[: args.display_changes]:
        cpu_before = [cpu_seconds(pid) for pid in server_pids]
        meet["local"] += 1
        update = {"updateKey": key, "updateValue": value, "localSeqNum": meet["local"], "afterServerSeqNum": meet["head"]}
        await meet["conn"].write_message(json.dumps({"msgType": "UPDATE_INIT", "sessionToken": meet["token"], "updates": [update]}))
        while (ack := json.loads(await meet["conn"].read_message()))["msgType"] != "UPDATE_ACK":
            pass
        acked[ack["updateAcks"][0]["serverSeqNum"]] = time.time()
        await asyncio.sleep(args.display_gap)
        cpu_ms.append([1000 * (cpu_seconds(pid) - before) for pid, before in zip(server_pids, cpu_before)])
    done.set()
    arrivals: dict[int, float] = {}
    for _ in procs:
        for seq, at in (await asyncio.get_running_loop().run_in_executor(None, results.get, True, 120)).items():
            arrivals[seq] = max(arrivals.get(seq, 0.0), at)
    for proc in procs:
        proc.join(60)
    meet["conn"].close()
    last_ms = [1000 * (arrivals[seq] - at) for seq, at in acked.items() if seq in arrivals]
    return {
        "displays": args.displays, "processes": len(display_urls), "marks": len(acked), "shown": len(last_ms),
        "ack_to_last_ms": [round(ms) for ms in last_ms], "ack_to_last_ms_p50": round(percentile(last_ms, 0.5)),
        "open_seconds": round(opened, 1),
        "cpu_ms_all_p50": round(percentile([sum(m) for m in cpu_ms], 0.5)),
        "cpu_ms_busiest_p50": round(percentile([max(m) for m in cpu_ms], 0.5)),
    }  # fmt: skip


def displays_on_any_process(redis_url: str, folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    """The same processes and the same load, the displays spread over every process, then
    all on the owner."""
    ports = [free_port() for _ in range(args.display_processes)]
    options = (
        "--storage", "redis", "--redis-url", redis_url,
        "--max-connections", str(args.displays + 2000), "--max-connections-per-meet", str(args.displays + 100),
    )  # fmt: skip
    servers = [start_server(folder / f"displays{i}" / "data", port, options) for i, port in enumerate(ports)]
    urls = [f"ws://127.0.0.1:{port}/ws" for port in ports]
    try:
        pids = [server.pid for server in servers]
        spread = asyncio.run(display_fanout(urls[0], urls, pids, args))
        one = asyncio.run(display_fanout(urls[0], urls[:1], pids, args))
    finally:
        stop(servers)
    return {
        "spread": spread, "one_process": one,
        "ratio": round(spread["ack_to_last_ms_p50"] / max(1, one["ack_to_last_ms_p50"]), 2),
        "busiest_cpu_ratio": round(spread["cpu_ms_busiest_p50"] / max(1, one["cpu_ms_busiest_p50"]), 2),
    }  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    # Thousands of sockets: the client processes and the servers inherit the raised limit.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    folder = Path(tempfile.mkdtemp(prefix="openlifter-bench-redis-"))
    redis, redis_url = start_redis(folder)
    if args.only_displays:
        try:
            report_displays(displays_on_any_process(redis_url, folder, args), args)
        finally:
            redis.terminate()
            redis.wait(10)
            shutil.rmtree(folder, ignore_errors=True)
        return
    try:
        port = free_port()
        file_server = start_server(folder / "file" / "data", port)
        try:
            file_side = drive([f"ws://127.0.0.1:{port}/ws"], args)
        finally:
            stop([file_server])
        ports = [free_port() for _ in range(args.processes)]
        options = ("--storage", "redis", "--redis-url", redis_url)
        servers = [start_server(folder / f"redis{i}" / "data", p, options) for i, p in enumerate(ports)]
        try:
            redis_side = drive([f"ws://127.0.0.1:{p}/ws" for p in ports], args)
        finally:
            stop(servers)
        failover_seconds = failovers(redis_url, folder, args)
        displays = displays_on_any_process(redis_url, folder, args) if args.displays else None
    finally:
        redis.terminate()
        redis.wait(10)
        shutil.rmtree(folder, ignore_errors=True)
    figures = {
        "file_1_process": file_side,
        f"redis_{args.processes}_processes": redis_side,
        "updates_per_s_ratio": round(redis_side["acked_updates_per_s"] / max(1, file_side["acked_updates_per_s"]), 2),
        "relay_p99_ratio": round(redis_side["relay_ms_p99"] / file_side["relay_ms_p99"], 2),
        "failover_seconds": [round(t, 2) for t in failover_seconds],
        "lease_seconds": args.lease,
    }
    print(
        f"meets={args.meets} updaters/meet={args.updaters} listeners/meet={args.listeners} batch={args.batch} window={args.window} "
        f"seconds={args.seconds:g} cpus={os.cpu_count()}"
    )
    print(f"file store, 1 process:   {file_side['acked_updates_per_s']} durable updates/s, relay p50 {file_side['relay_ms_p50']} ms p99 {file_side['relay_ms_p99']} ms")
    print(
        f"redis, {args.processes} processes:     {redis_side['acked_updates_per_s']} durable updates/s, "
        f"relay p50 {redis_side['relay_ms_p50']} ms p99 {redis_side['relay_ms_p99']} ms"
    )
    print(f"ratios (redis / file): updates/s x{figures['updates_per_s_ratio']}, relay p99 x{figures['relay_p99_ratio']}")
    print(f"failover after kill -9 (lease {args.lease:g} s): {', '.join(f'{t:.2f} s' for t in failover_seconds)}")
    if file_side["errors"] or redis_side["errors"]:
        print(f"errors: file {file_side['errors']}, redis {redis_side['errors']}")
    if args.json:
        print(json.dumps(figures))
    if displays is not None:
        report_displays(displays, args)


def report_displays(figures: dict[str, Any], args: argparse.Namespace) -> None:
    spread, one = figures["spread"], figures["one_process"]
    print(f"display fan-out: {args.displays} overlay feeds of a {args.display_lifters}-lifter meet, {args.display_clients} client processes, cpus={os.cpu_count()}")
    for name, side in (("spread over", spread), ("all on", one)):
        print(
            f"  {name} {side['processes']} process(es): UPDATE_ACK to the last display p50 {side['ack_to_last_ms_p50']} ms "
            f"(each mark: {side['ack_to_last_ms']} ms; {side['shown']}/{side['marks']} marks shown; displays opened in {side['open_seconds']} s); "
            f"server CPU per mark p50: {side['cpu_ms_all_p50']} ms in all, {side['cpu_ms_busiest_p50']} ms in the busiest process"
        )
    print(f"  ratios (spread / one process): ACK to the last display x{figures['ratio']}, busiest process's CPU x{figures['busiest_cpu_ratio']}")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
