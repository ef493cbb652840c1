"""Benchmark: what a finished meet costs Redis before and after it is written out to
files (storage/redisarchive.py), and what the shared limits cost against in-memory ones,
side by side in one run on a private ``redis-server`` (appendfsync always).

1. A meet the size of a national meet (``--updates`` log entries of about
   ``--value-bytes``) is created and published through ``RedisMeetStore``: Redis memory
   of its keys (``MEMORY USAGE``) and of the whole server (``used_memory``) before and
   after, and how long writing it out took.
2. Another process loads it: replay from Redis (before archiving, a second meet of the
   same size) against replay from its folder (after), each ``--repeat`` times.
3. ``--attempts`` join attempts counted in Redis (one Lua script each) against the
   in-memory ``AddressLimit`` of one process.

Needs ``redis-server`` on the PATH (./scripts/test installs it). Not part of the test
suite. Example:

    .venv/bin/python bench/bench_redis_archive.py --updates 30000
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import redis

from bench_redis import start_redis
from openlifter.meet.ratelimit import AddressLimit
from openlifter.storage.redisstore import RedisMeetStore
from openlifter.storage.store import LogEntry, Place

AUTH = {"meetId": "", "passwordHash": "$2b$12$" + "x" * 53, "endpoints": [["Table", 2], ["Weigh-in", 1]], "displayKey": "k" * 43, "createdAt": 1.0}
APPEND_GROUP = 500


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=30000, help="log entries of the meet (default 30000: 1,000 lifters)")
    parser.add_argument("--value-bytes", type=int, default=80, help="padding in each updateValue (default 80)")
    parser.add_argument("--repeat", type=int, default=3, help="replays timed on each side (default 3)")
    parser.add_argument("--attempts", type=int, default=5000, help="join attempts counted on each side (default 5000)")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    return parser.parse_args()


def filled(store: RedisMeetStore, meet_id: str, args: argparse.Namespace) -> None:
    records = store.records(meet_id, Place.CURRENT)
    records.create({**AUTH, "meetId": meet_id})
    records.write_sessions([{"tokenHash": f"{n:064x}", "locationName": "Table", "createdAt": 1.0, "expiresAt": time.time() + 3600} for n in range(8)])
    pad = "x" * args.value_bytes
    for start in range(1, args.updates + 1, APPEND_GROUP):
        seqs = range(start, min(start + APPEND_GROUP, args.updates + 1))
        records.append([LogEntry(s, f"registration.entries[{s % 1000}].squat{s % 3}Kg", {"kg": s % 300, "pad": pad}, "Table", 2, s, time.time()) for s in seqs])


def memory_of(client: Any, meet_id: str) -> int:
    return sum(client.memory_usage(key, samples=0) or 0 for key in (f"openlifter:meet:{meet_id}", f"openlifter:meet:{meet_id}:log"))


def timed_replays(url: str, archive: Path, meet_id: str, place: Place, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        reader = RedisMeetStore(url, 0.05, "ws://reader/", archive_root=archive)
        start = time.perf_counter()
        reader.records(meet_id, place).replay()
        times.append(time.perf_counter() - start)
        reader.end_lease(meet_id)
        reader.close()
    return times


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory() as folder:
        redis_proc, url = start_redis(Path(folder))
        try:
            figures = run(url, Path(folder) / "archive", args)
        finally:
            redis_proc.terminate()
            redis_proc.wait(10)
    print(f"meet of {args.updates} updates: Redis memory of its keys {figures['meet_bytes_before']:,} B before, {figures['meet_bytes_after']:,} B after (x{figures['meet_bytes_ratio']:.5f})")
    print(f"  whole Redis used_memory {figures['used_before']:,} B before, {figures['used_after']:,} B after; written out in {figures['export_s']:.2f} s")
    print(f"load on another process, median of {args.repeat}: from Redis {figures['replay_redis_s']:.3f} s, from files {figures['replay_files_s']:.3f} s (x{figures['replay_ratio']:.2f})")
    print(f"one counted join attempt: in memory {figures['attempt_memory_us']:.1f} us, in Redis {figures['attempt_redis_us']:.1f} us (x{figures['attempt_ratio']:.0f})")
    if args.json:
        print(json.dumps(figures))


def run(url: str, archive: Path, args: argparse.Namespace) -> dict[str, Any]:
    store = RedisMeetStore(url, 0.05, "ws://writer/", archive_root=archive)
    store.open("bench")
    client = redis.Redis.from_url(url)
    filled(store, "111111111", args)
    filled(store, "222222222", args)  # stays in Redis: the other side of the replay
    store.end_lease("222222222")
    before, used_before = memory_of(client, "111111111"), client.info("memory")["used_memory"]
    store.records("111111111", Place.CURRENT).write_publication("Place,Name\n" * 1000, "director@example.org")
    start = time.perf_counter()
    store.move("111111111", Place.CURRENT, Place.FINISHED)
    export_s = time.perf_counter() - start
    store.end_lease("111111111")
    after, used_after = memory_of(client, "111111111"), client.info("memory")["used_memory"]
    from_redis = statistics.median(timed_replays(url, archive, "222222222", Place.CURRENT, args.repeat))
    from_files = statistics.median(timed_replays(url, archive, "111111111", Place.FINISHED, args.repeat))
    in_memory = AddressLimit(args.attempts + 1, 60, time.time)
    start = time.perf_counter()
    for _ in range(args.attempts):
        in_memory.take("10.0.0.7")
    memory_us = (time.perf_counter() - start) / args.attempts * 1e6
    start = time.perf_counter()
    for _ in range(args.attempts):
        store.attempts.take("join", "10.0.0.7", args.attempts + 1, 60)
    redis_us = (time.perf_counter() - start) / args.attempts * 1e6
    store.close()
    client.close()
    return {
        "updates": args.updates, "meet_bytes_before": before, "meet_bytes_after": after, "meet_bytes_ratio": after / before,
        "used_before": used_before, "used_after": used_after, "export_s": export_s,
        "replay_redis_s": from_redis, "replay_files_s": from_files, "replay_ratio": from_files / from_redis,
        "attempt_memory_us": memory_us, "attempt_redis_us": redis_us, "attempt_ratio": redis_us / memory_us,
    }  # fmt: skip


if __name__ == "__main__":
    main()
