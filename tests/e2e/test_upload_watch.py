"""openlifter-live-upload --watch FOLDER: a bridge for a stock OpenLifter that saves files.

The real command runs against a real server; a new save in the folder reaches /api/state
within 2 s, and only the keys that changed since the previous save are sent.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import re
import sys
import time
from pathlib import Path

import pytest
import tornado.httpclient

from openlifter.client import LiveClient
from support import PASSWORD

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "sample.openlifter"


async def start_bridge(server, folder: Path, *extra: str):
    env = {**os.environ, "OPENLIFTER_MEET_PASSWORD": PASSWORD}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "openlifter.upload", "--url", server.ws_url, "--watch", str(folder),
        "--location", "Director", "--endpoint", "Director:10", "--endpoint", "Platform 1:5", "--settle-seconds", "0.1",
        *extra, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    lines: list[str] = []
    while not any("Watching" in line for line in lines):
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 15)).decode()
        assert line, "the bridge exited: " + "".join(lines)
        lines.append(line)
    views = next(line for line in lines if line.startswith("Views: "))
    found = re.search(r"/meets/(\d{9})/\?key=(\S+)", views)
    assert found, views
    meet_id, key = found.groups()
    return proc, meet_id, key


async def api_state(server, meet_id: str, key: str) -> dict:
    response = await tornado.httpclient.AsyncHTTPClient().fetch(
        f"http://127.0.0.1:{server.port}/meets/{meet_id}/api/state?key={key}")
    return json.loads(response.body)


async def wait_for_state(server, meet_id: str, key: str, check, timeout: float) -> float:
    started = time.monotonic()
    while True:
        body = await api_state(server, meet_id, key)
        if check(body["state"]):
            return time.monotonic() - started
        assert time.monotonic() - started < timeout, f"not reached within {timeout} s: {json.dumps(body)[:300]}"
        await asyncio.sleep(0.05)


def save(folder: Path, name: str, state: dict) -> None:
    (folder / name).write_text(json.dumps(state))


async def stop(proc) -> None:
    proc.terminate()
    await asyncio.wait_for(proc.wait(), 10)


@pytest.mark.gen_test(timeout=60)
async def test_a_new_save_reaches_the_server_within_two_seconds_with_only_the_changed_keys(server_process, tmp_path):
    server = server_process()
    folder = tmp_path / "saves"
    folder.mkdir()
    first = json.loads(FIXTURE.read_text())
    save(folder, "sample.openlifter", first)
    proc, meet_id, key = await start_bridge(server, folder)
    try:
        await wait_for_state(server, meet_id, key, lambda s: s.get("registration") == first["registration"], 10)
        follower = await LiveClient.join(server.ws_url, meet_id, PASSWORD, "Platform 1")
        head = follower.session.head

        second = copy.deepcopy(first)
        second["registration"]["entries"][0]["bodyweightKg"] = 117.3
        second["registration"]["entries"][1]["squatStatus"][0] = 1
        os.utime(folder / "sample.openlifter", (time.time() - 60, time.time() - 60))
        save(folder, "sample (1).openlifter", second)  # a browser saves a new copy next to the old one
        took = await wait_for_state(
            server, meet_id, key, lambda s: s["registration"]["entries"][1]["squatStatus"][0] == 1, 2.0)
        assert took < 2.0
        await asyncio.sleep(0.3)
        relayed = [(e.key, e.value) for e in follower.session.canonical[head:]]
        assert sorted(relayed) == [
            ("registration.entries[0].bodyweightKg", 117.3),
            ("registration.entries[1].squatStatus[0]", 1),
        ]
        await follower.close()
    finally:
        await stop(proc)


@pytest.mark.gen_test(timeout=60)
async def test_an_unchanged_or_broken_save_sends_nothing(server_process, tmp_path):
    server = server_process()
    folder = tmp_path / "saves"
    folder.mkdir()
    first = json.loads(FIXTURE.read_text())
    save(folder, "meet.openlifter", first)
    proc, meet_id, key = await start_bridge(server, folder)
    try:
        await wait_for_state(server, meet_id, key, lambda s: "registration" in s, 10)
        head = (await api_state(server, meet_id, key))["seq"]
        save(folder, "meet.openlifter", first)  # saved again, nothing changed
        (folder / "half.openlifter").write_text('{"meet": {"name": "half writ')  # caught mid-write
        await asyncio.sleep(1.0)
        assert (await api_state(server, meet_id, key))["seq"] == head
        assert proc.returncode is None  # the bridge keeps running
    finally:
        await stop(proc)


@pytest.mark.gen_test(timeout=60)
async def test_joining_a_live_meet_sends_only_what_differs_from_the_server(server_process, tmp_path):
    server = server_process()
    first = json.loads(FIXTURE.read_text())
    director = await LiveClient.create(server.ws_url, "Director", PASSWORD, [("Director", 10), ("Platform 1", 5)])
    await director.edit_many((name, first[name]) for name in ("meet", "registration", "lifting"))
    await director.settle()
    head = director.session.head
    folder = tmp_path / "saves"
    folder.mkdir()
    changed = copy.deepcopy(first)
    changed["meet"]["city"] = "Bergen"
    save(folder, "meet.openlifter", changed)
    proc, meet_id, key = await start_bridge(server, folder, "--meet-id", director.session.meet_id, "--location", "Platform 1")
    try:
        await wait_for_state(server, meet_id, key, lambda s: s["meet"]["city"] == "Bergen", 5)
        await asyncio.sleep(0.3)
        body = await api_state(server, meet_id, key)
        assert body["seq"] == head + 1
    finally:
        await stop(proc)
        await director.close()
