"""Benchmark: the live views of national meets beside small meets, on one real server.

Everything is measured side by side in one run, so the figures are ratios on whatever
machine runs it (a shared 2-core box makes bare times meaningless):

1. alone: ten small meets relay 5 updates/s each (one updating and one listening socket
   per meet); their relay latency (send to UPDATE_RELAY at the listener) p50/p99;
2. loaded: the same again while K meets of 1,000 lifters (``national_state``: 3 platforms
   x 5 flights) get R attempt marks/s each, with 20 displays each (half overlay pages,
   half JSON feeds); the small meets' relay p99 against phase 1 (goal: at most 1.5x), the
   big meets' change-to-display latency (send of a mark to the display frame that shows
   it; goal: p99 at most 100 ms) and the JSON feed's bytes per attempt mark (goal: at most
   10 KB);
3. fan-out: one meet of 1,000 lifters with 1,000 overlay displays (spread over client
   processes); time from the UPDATE_ACK of one mark to the last display's frame (goal:
   250 ms);
4. cost: deriving the views of one attempt mark in the server's code, incrementally and
   from scratch, at 100, 1,000 and 3,000 lifters (no server: the same process, the same
   run), in two layouts: the issue's 3 platforms x 5 flights (flights grow with the meet)
   and flights of about 14 lifters over more flights and days (as a real meet grows), and
   at 3,000 lifters flights of 14 on one day's three platforms (``--cost-only``: this phase
   alone, no server).

Not part of the test suite. Example (the figures in docs/benchmarks.md):

    .venv/bin/python bench/bench_views.py --big-meets 4 --marks-per-second 2
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests"), str(HERE.parent)]

from bench_updates import PASSWORD, connect, free_port, percentile, request, start_server  # noqa: E402
from display_states import demo_state, national_state  # noqa: E402

from openlifter.meet.jsonvalue import set_in  # noqa: E402
from openlifter.meet.keys import parse_accepted_key  # noqa: E402
from openlifter.views.derive import compute_views  # noqa: E402
from openlifter.views.feed import JsonFeed  # noqa: E402
from openlifter.views.incremental import IncrementalViews, run_steps  # noqa: E402

ENDPOINTS = [{"locationName": "Table", "priority": 2}, {"locationName": "Display", "priority": 1}]
OVERLAY = {"view": "overlay", "parts": "lowerthird,next,bar,standings"}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured duration of phases 1 and 2 (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured warm-up before each (default 2)")
    parser.add_argument("--small-meets", type=int, default=10, help="small meets (default 10)")
    parser.add_argument("--small-rate", type=float, default=5.0, help="updates/s per small meet (default 5)")
    parser.add_argument("--big-meets", type=int, default=4, help="K: meets of 1,000 lifters (default 4)")
    parser.add_argument("--lifters", type=int, default=1000, help="lifters per big meet (default 1000)")
    parser.add_argument("--marks-per-second", type=float, default=2.0, help="R: attempt marks/s per big meet (default 2)")
    parser.add_argument("--displays", type=int, default=20, help="displays per big meet, half overlays (default 20)")
    parser.add_argument("--fanout", type=int, default=1000, help="overlay displays in phase 3 (default 1000; 0 skips)")
    parser.add_argument("--fanout-procs", type=int, default=4, help="client processes holding them (default 4)")
    parser.add_argument("--fanout-marks", type=int, default=5, help="marks timed in phase 3 (default 5)")
    parser.add_argument("--cost-sizes", default="100,1000,3000", help="meet sizes of phase 4 ('' skips)")
    parser.add_argument("--cost-only", action="store_true", help="run phase 4 alone (no server)")
    parser.add_argument("--server-root", type=Path, help="run the server from this tree (e.g. `git archive` of an older commit)")
    parser.add_argument("--server-arg", action="append", default=[], metavar="ARG",
                        help="an extra server argument, e.g. --server-arg=--view-workers=0 (views on the event loop); repeatable")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    return parser.parse_args(argv)


# ---- meets on the server -------------------------------------------------------------------


async def create_meet(url: str, state: dict[str, Any]) -> dict[str, Any]:
    """A meet holding ``state`` (one update per top-level key, as an upload does)."""
    conn = await connect(url)
    created = await request(conn, {"msgType": "CREATE_MEET", "thisLocationName": "Table", "password": PASSWORD, "endpoints": ENDPOINTS})
    assert created["msgType"] == "MEET_CREATED", created
    updates = [{"updateKey": k, "updateValue": v, "localSeqNum": i, "afterServerSeqNum": 0} for i, (k, v) in enumerate(state.items(), 1)]
    ack = await request(conn, {"msgType": "UPDATE_INIT", "sessionToken": created["sessionToken"], "updates": updates})
    assert ack["msgType"] == "UPDATE_ACK", ack
    return {"conn": conn, "meetId": created["meetId"], "token": created["sessionToken"], "key": created["displayKey"],
            "local": len(updates), "head": ack["updateAcks"][-1]["serverSeqNum"]}


def feed_url(url: str, meet: dict[str, Any], params: dict[str, str]) -> str:
    base = url.rsplit("/ws", 1)[0]
    return f"{base}/meets/{meet['meetId']}/feed?{urlencode({'key': meet['key'], **params})}"


def marks_of(state: dict[str, Any], count: int = 2000) -> list[tuple[str, int]]:
    """Attempt marks in the order the tables make them: each platform's flight A, lifter by
    lifter, attempt by attempt, each one turning the attempt's result over (a good lift
    becomes a miss and back), so that every mark changes what the displays show."""
    entries = copy.deepcopy(state["registration"]["entries"])
    platforms = sorted({e["platform"] for e in entries})
    by_platform = {p: [i for i, e in enumerate(entries) if e["platform"] == p and e["flight"] == "A"] for p in platforms}
    longest = max(len(v) for v in by_platform.values())
    marks: list[tuple[str, int]] = []
    while len(marks) < count:
        for attempt in range(3):
            for n in range(longest):
                for p in platforms:
                    if n < len(by_platform[p]):
                        statuses = entries[by_platform[p][n]]["squatStatus"]
                        statuses[attempt] = -1 if statuses[attempt] == 1 else 1
                        marks.append((f"registration.entries[{by_platform[p][n]}].squatStatus[{attempt}]", statuses[attempt]))
    return marks[:count]


# ---- phase 1 and 2: small meets ------------------------------------------------------------


async def small_meets(url: str, args: argparse.Namespace) -> dict[str, Any]:
    relay_ms: list[float] = []
    meets = [await create_meet(url, {"meet": demo_state()["meet"]}) for _ in range(args.small_meets)]
    listeners = []
    for meet in meets:
        conn = await connect(url)
        joined = await request(conn, {"msgType": "JOIN_MEET", "meetId": meet["meetId"], "password": PASSWORD, "locationName": "Display"})
        assert joined["msgType"] == "MEET_JOINED", joined
        listeners.append(conn)
    start = time.perf_counter() + args.warmup
    end = start + args.seconds

    async def update(meet: dict[str, Any]) -> None:
        conn, n = meet["conn"], 0
        while time.perf_counter() < end:
            n += 1
            meet["local"] += 1
            value = {"t": time.perf_counter(), "n": n}
            message = {"updateKey": f"live.clock.n{n % 50}", "updateValue": value, "localSeqNum": meet["local"], "afterServerSeqNum": meet["head"]}
            await conn.write_message(json.dumps({"msgType": "UPDATE_INIT", "sessionToken": meet["token"], "updates": [message]}))
            reply = json.loads(await conn.read_message())
            if reply["msgType"] == "UPDATE_ACK":
                meet["head"] = reply["updateAcks"][-1]["serverSeqNum"]
            await asyncio.sleep(1 / args.small_rate)

    async def listen(conn: Any) -> None:
        while time.perf_counter() < end + 0.5:
            try:
                frame = await asyncio.wait_for(conn.read_message(), 0.5)
            except asyncio.TimeoutError:
                continue
            now = time.perf_counter()
            message = json.loads(frame)
            if message["msgType"] == "UPDATE_RELAY" and start <= now < end:
                relay_ms.extend(1000 * (now - item["updateValue"]["t"]) for item in message["updatesRelayed"])

    await asyncio.gather(*(update(m) for m in meets), *(listen(c) for c in listeners))
    for conn in [m["conn"] for m in meets] + listeners:
        conn.close()
    return {"relay_ms_p50": percentile(relay_ms, 0.5), "relay_ms_p99": percentile(relay_ms, 0.99), "relays": len(relay_ms)}


def small_process(url: str, args: argparse.Namespace, results: Any) -> None:
    results.put(asyncio.run(small_meets(url, args)))


# ---- phase 2: national meets with displays --------------------------------------------------


async def big_meets(url: str, args: argparse.Namespace, ready: Any, stop: Any) -> dict[str, Any]:
    state = national_state(args.lifters)
    marks = marks_of(state)
    meets = [await create_meet(url, state) for _ in range(args.big_meets)]
    latency_ms: list[float] = []
    patch_bytes: list[int] = []
    snapshot_bytes: list[int] = []
    sent_at: list[dict[int, float]] = [{} for _ in meets]
    local_sent: list[dict[int, float]] = [{} for _ in meets]
    measuring = {"on": False}
    displays = []
    for m, meet in enumerate(meets):
        for d in range(args.displays):
            params = dict(OVERLAY, platform=str(1 + d % 3)) if d % 2 == 0 else {}
            displays.append((m, d % 2 == 1, await connect(feed_url(url, meet, params))))

    async def first_frame(is_json: bool, conn: Any) -> int:
        frame = await conn.read_message()
        if frame is None:
            return 0
        if is_json:
            snapshot_bytes.append(len(frame.encode()))
        return int(json.loads(frame)["seq"])

    # Every display holds its snapshot before the first mark: a snapshot that comes late
    # would count every mark since the start as shown only then.
    first_seqs = await asyncio.wait_for(asyncio.gather(*(first_frame(j, c) for _, j, c in displays)), 300)

    async def watch(m: int, is_json: bool, conn: Any, seen: int) -> None:
        while True:
            frame = await conn.read_message()
            if frame is None:
                return
            now = time.perf_counter()
            message = json.loads(frame)
            seq = message["seq"]
            if is_json:
                (patch_bytes if message["msgType"] == "MEET_VIEWS_PATCH" else snapshot_bytes).append(len(frame.encode()))
            if measuring["on"]:
                latency_ms.extend(1000 * (now - t) for s, t in sent_at[m].items() if seen < s <= seq)
            seen = max(seen, seq)

    async def table(m: int, meet: dict[str, Any]) -> None:
        conn, n = meet["conn"], 0

        async def read_acks() -> None:
            while True:
                frame = await conn.read_message()
                if frame is None:
                    return
                message = json.loads(frame)
                if message["msgType"] == "UPDATE_ACK":
                    for ack in message["updateAcks"]:
                        sent = local_sent[m].pop(ack["localSeqNum"], None)
                        if sent is not None:
                            sent_at[m][ack["serverSeqNum"]] = sent
                        meet["head"] = max(meet["head"], ack["serverSeqNum"])

        reader = asyncio.ensure_future(read_acks())
        await asyncio.sleep(m / max(1, len(meets)) / args.marks_per_second)  # spread the meets' marks
        while not stop.is_set():
            key, value = marks[n % len(marks)]
            n += 1
            meet["local"] += 1
            local_sent[m][meet["local"]] = time.perf_counter()
            update = {"updateKey": key, "updateValue": value, "localSeqNum": meet["local"], "afterServerSeqNum": meet["head"]}
            await conn.write_message(json.dumps({"msgType": "UPDATE_INIT", "sessionToken": meet["token"], "updates": [update]}))
            await asyncio.sleep(1 / args.marks_per_second)
        reader.cancel()

    watchers = [asyncio.ensure_future(watch(m, j, c, seen)) for (m, j, c), seen in zip(displays, first_seqs)]
    tables = [asyncio.ensure_future(table(m, meet)) for m, meet in enumerate(meets)]
    await asyncio.sleep(args.warmup)
    measuring["on"] = True
    ready.set()
    while not stop.is_set():
        await asyncio.sleep(0.1)
    measuring["on"] = False
    await asyncio.gather(*tables)
    for task in watchers:
        task.cancel()
    for conn in [c for _, _, c in displays] + [m["conn"] for m in meets]:
        conn.close()
    return {
        "display_ms_p50": percentile(latency_ms, 0.5), "display_ms_p99": percentile(latency_ms, 0.99), "shown": len(latency_ms),
        "patch_bytes_p50": percentile(patch_bytes, 0.5), "patch_bytes_max": max(patch_bytes, default=0),
        "snapshot_bytes": max(snapshot_bytes, default=0),
    }


def big_process(url: str, args: argparse.Namespace, ready: Any, stop: Any, results: Any) -> None:
    results.put(asyncio.run(big_meets(url, args, ready, stop)))


# ---- phase 3: one change to many overlays --------------------------------------------------


async def fanout_displays(feed: str, count: int, ready: Any, done: Any, results: Any) -> None:
    conns = []
    for _ in range(count):
        conns.append(await connect(feed))
        await conns[-1].read_message()  # the snapshot
    arrivals: dict[int, float] = {}

    async def watch(conn: Any) -> None:
        while True:
            frame = await conn.read_message()
            if frame is None:
                return
            now = time.time()
            seq = json.loads(frame)["seq"]
            arrivals[seq] = max(arrivals.get(seq, 0.0), now)

    tasks = [asyncio.ensure_future(watch(c)) for c in conns]
    ready.release()
    while not done.is_set():
        await asyncio.sleep(0.05)
    for task in tasks:
        task.cancel()
    for conn in conns:
        conn.close()
    results.put(arrivals)


def fanout_process(feed: str, count: int, ready: Any, done: Any, results: Any) -> None:
    asyncio.run(fanout_displays(feed, count, ready, done, results))


async def fanout(url: str, args: argparse.Namespace) -> dict[str, Any]:
    state = national_state(args.lifters)
    meet = await create_meet(url, state)
    feed = feed_url(url, meet, dict(OVERLAY, platform="1"))
    results: "multiprocessing.Queue[Any]" = multiprocessing.Queue()
    ready, done = multiprocessing.Semaphore(0), multiprocessing.Event()
    shares = [args.fanout // args.fanout_procs + (1 if i < args.fanout % args.fanout_procs else 0) for i in range(args.fanout_procs)]
    procs = [multiprocessing.Process(target=fanout_process, args=(feed, n, ready, done, results)) for n in shares if n]
    for proc in procs:
        proc.start()
    for _ in procs:
        while not ready.acquire(timeout=0.05):
            await asyncio.sleep(0.05)
    acked: dict[int, float] = {}
    for key, value in marks_of(state)[: args.fanout_marks]:
        await asyncio.sleep(1.0)
        meet["local"] += 1
        update = {"updateKey": key, "updateValue": value, "localSeqNum": meet["local"], "afterServerSeqNum": meet["head"]}
        await meet["conn"].write_message(json.dumps({"msgType": "UPDATE_INIT", "sessionToken": meet["token"], "updates": [update]}))
        ack = json.loads(await meet["conn"].read_message())
        acked[ack["updateAcks"][0]["serverSeqNum"]] = time.time()
    await asyncio.sleep(2.0)
    done.set()
    arrivals: dict[int, float] = {}
    for _ in procs:
        for seq, at in (await asyncio.get_running_loop().run_in_executor(None, results.get, True, 60)).items():
            arrivals[seq] = max(arrivals.get(seq, 0.0), at)
    for proc in procs:
        proc.join(30)
    meet["conn"].close()
    last_ms = [1000 * (arrivals[seq] - at) for seq, at in acked.items() if seq in arrivals]
    return {"displays": args.fanout, "marks": len(acked), "shown": len(last_ms),
            "ack_to_last_ms_p50": percentile(last_ms, 0.5), "ack_to_last_ms_max": max(last_ms, default=float("nan"))}


# ---- phase 4: the cost of one change ---------------------------------------------------------


def cost(lifters: int, platforms: int, flights: int, days: int) -> dict[str, Any]:
    """One layout: a full recompute, then 30 attempt marks one by one (views + JSON patch; the
    median mark),
    timing apart the platform views derived again (the flight's lifting order, rows, cards,
    lead: what grows with the flight), the JSON patch (the flight's rows that moved among
    it) and the rest (categories, points rankings, standings)."""
    state = national_state(lifters, platforms=platforms, flights=flights, days=days)
    started = time.perf_counter()
    compute_views(state, 0)
    full_ms = 1000 * (time.perf_counter() - started)
    views = IncrementalViews.built(state, 0)
    feed = JsonFeed(views.views)
    snapshot = len(feed.snapshot().encode())
    flight_seconds = [0.0]
    derive_platform = views._platform_view

    def timed_platform_view(pair: Any) -> Any:
        began = time.perf_counter()
        try:
            return derive_platform(pair)
        finally:
            flight_seconds[0] += time.perf_counter() - began

    views._platform_view = timed_platform_view  # type: ignore[method-assign]
    marks = marks_of(state)[:30]
    sizes = []
    work: Counter[str] = Counter()
    one, flight, patch, rest = [], [], [], []  # ms per mark: medians, as a loaded machine stalls some marks
    for seq, (key, value) in enumerate(marks, start=1):
        path = parse_accepted_key(key)
        set_in(state, path, copy.deepcopy(value))
        flight_seconds[0] = 0.0
        started = time.perf_counter()
        views.advance(state, [path], seq)
        began = time.perf_counter()
        run_steps(feed.update_steps(views.views))
        ended = time.perf_counter()
        one.append(1000 * (ended - started))
        flight.append(1000 * flight_seconds[0])
        patch.append(1000 * (ended - began))
        rest.append(one[-1] - flight[-1] - patch[-1])
        sizes.append(len(feed.update.encode()))  # type: ignore[union-attr]
        work.update(views.work)
    one_ms, flight_ms, patch_ms, rest_ms = (percentile(times, 0.5) for times in (one, flight, patch, rest))
    return {"lifters": lifters, "layout": f"{days}d x {platforms}p x {flights}f", "full_ms": full_ms, "one_mark_ms": one_ms,
            "flight_ms": flight_ms, "patch_ms": patch_ms, "rest_ms": rest_ms, "ratio": full_ms / one_ms,
            "work_per_mark": {k: v / len(marks) for k, v in sorted(work.items())},
            "patch_bytes_p50": percentile(sizes, 0.5), "snapshot_bytes": snapshot}


def cost_phase(args: argparse.Namespace) -> list[dict[str, Any]]:
    sizes = [int(s) for s in args.cost_sizes.split(",") if s.strip()]
    return [cost(n, 3, 5, 1) for n in sizes] + [
        cost(n, 3, min(24, max(1, round(n / (3 * 14)))), max(1, round(n / 1000))) for n in sizes
    ] + [cost(n, 3, max(1, round(n / (3 * 14))), 1) for n in sizes if n > 1000]  # flights of 14 on one day's 3 platforms


# ---- the server's garbage collections ---------------------------------------------------------


def gc_pauses(port: int) -> dict[str, float]:
    """The server's ``openlifter_gc_pause_seconds`` histogram (bucket counts and sums), or
    {} for a server without it."""
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            text = response.read().decode()
    except OSError:
        return {}
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
            if line.startswith("openlifter_gc_pause_seconds")}


def gc_difference(before: dict[str, float], after: dict[str, float]) -> dict[str, Any]:
    """Collections during phase 2 by generation: how many, how many took over 5 and 10 ms,
    and their total time."""
    figures: dict[str, Any] = {}
    for generation in ("0", "1", "2"):
        def delta(series: str, le: str | None = None) -> float:
            labels = f'generation="{generation}"' + (f',le="{le}"' if le else "")
            name = f"openlifter_gc_pause_seconds_{series}{{{labels}}}"
            return after.get(name, 0.0) - before.get(name, 0.0)

        count = delta("count")
        figures[generation] = {"count": int(count), "over_5ms": int(count - delta("bucket", "0.005")),
                               "over_10ms": int(count - delta("bucket", "0.01")), "total_ms": 1000 * delta("sum")}
    return figures


# ---- main ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.cost_only:
        figures: dict[str, Any] = {"cost": cost_phase(args), "server_exit_code": None}
        report(args, figures)
        return
    data_dir = Path(tempfile.mkdtemp(prefix="openlifter-bench-")) / "data"
    port = free_port()
    connections = str(max(200, args.fanout + 50, args.displays + 50))
    server = start_server(data_dir, port, ("--max-connections-per-meet", connections, "--max-meets", "1000", *args.server_arg), args.server_root)
    url = f"ws://127.0.0.1:{port}/ws"
    figures = {}
    try:
        results: Any = multiprocessing.Queue()
        alone = multiprocessing.Process(target=small_process, args=(url, args, results))
        alone.start()
        figures["alone"] = results.get(timeout=args.warmup + args.seconds + 120)
        alone.join()
        if args.big_meets:
            big_results: "multiprocessing.Queue[Any]" = multiprocessing.Queue()
            ready, stop = multiprocessing.Event(), multiprocessing.Event()
            big = multiprocessing.Process(target=big_process, args=(url, args, ready, stop, big_results))
            big.start()
            if not ready.wait(300):
                raise SystemExit("the national meets did not start")
            gc_before = gc_pauses(port)
            loaded = multiprocessing.Process(target=small_process, args=(url, args, results))
            loaded.start()
            figures["loaded"] = results.get(timeout=args.warmup + args.seconds + 120)
            loaded.join()
            figures["gc"] = gc_difference(gc_before, gc_pauses(port))
            stop.set()
            figures["big"] = big_results.get(timeout=120)
            big.join()
        if args.fanout:
            figures["fanout"] = asyncio.run(fanout(url, args))
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(60)
        shutil.rmtree(data_dir.parent, ignore_errors=True)
    figures["cost"] = cost_phase(args)
    figures["server_exit_code"] = code
    report(args, figures)


def report(args: argparse.Namespace, f: dict[str, Any]) -> None:
    print(f"cpus={os.cpu_count()} small meets={args.small_meets} x {args.small_rate:g} updates/s; "
          f"K={args.big_meets} meets of {args.lifters} lifters x R={args.marks_per_second:g} marks/s, {args.displays} displays each")
    if "alone" in f:
        report_server(f)
    print("4. cost of one attempt mark (views + JSON patch) against a full recompute of the views "
          f"(load average {os.getloadavg()[0]:.1f}):")
    for c in f["cost"]:
        print(f"   {c['lifters']:>5} lifters {c['layout']:<14} full {c['full_ms']:7.1f} ms  one mark {c['one_mark_ms']:6.2f} ms "
              f"(platform views {c['flight_ms']:5.2f}, JSON patch {c['patch_ms']:5.2f}, the rest {c['rest_ms']:5.2f})  ({c['ratio']:.0f}x)  "
              f"patch {c['patch_bytes_p50']} B / snapshot {c['snapshot_bytes']} B")
        print("         per mark: " + ", ".join(f"{k} {v:.1f}" for k, v in c["work_per_mark"].items()))
    print(f"server exit code: {f['server_exit_code']}")
    if args.json:
        print(json.dumps(f))


def report_server(f: dict[str, Any]) -> None:
    alone = f["alone"]
    print(f"1. small meets alone:          relay p50 {alone['relay_ms_p50']:.2f} ms  p99 {alone['relay_ms_p99']:.2f} ms  ({alone['relays']} relays)")
    if "loaded" in f:
        loaded, big = f["loaded"], f["big"]
        ratio = loaded["relay_ms_p99"] / alone["relay_ms_p99"]
        print(f"2. with the national meets:    relay p50 {loaded['relay_ms_p50']:.2f} ms  p99 {loaded['relay_ms_p99']:.2f} ms  "
              f"-> p99 ratio {ratio:.2f}x (goal <= 1.5x)")
        print(f"   change to display:          p50 {big['display_ms_p50']:.1f} ms  p99 {big['display_ms_p99']:.1f} ms "
              f"(goal p99 <= 100 ms; {big['shown']} mark x display)")
        print(f"   JSON feed per attempt mark: p50 {big['patch_bytes_p50']} B  max {big['patch_bytes_max']} B (goal <= 10 KB); "
              f"snapshot {big['snapshot_bytes']} B")
    if f.get("gc"):
        pauses = ", ".join(f"gen {g}: {v['count']} ({v['over_5ms']} over 5 ms, {v['over_10ms']} over 10 ms, {v['total_ms']:.0f} ms in all)"
                           for g, v in f["gc"].items())
        print(f"   server GC during phase 2:   {pauses}")
    if "fanout" in f:
        fan = f["fanout"]
        print(f"3. one mark to {fan['displays']} overlays:  ACK to last display p50 {fan['ack_to_last_ms_p50']:.0f} ms  "
              f"max {fan['ack_to_last_ms_max']:.0f} ms (goal <= 250 ms; {fan['shown']}/{fan['marks']} marks seen)")


if __name__ == "__main__":
    main()
