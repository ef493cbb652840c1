"""Benchmark: the JavaScript live client (static/js/live/client.js) in headless Chromium
against the real server, each figure measured side by side with a reference in the same
run (a shared 2-core machine makes bare times meaningless):

  1. relays: a page applies 5,000 relayed updates (it listens for "change" and reads
     client.state, as a UI does): the time its client spends handling them and the time
     until its head reaches 5,000, beside the Python client (openlifter/client.py) applying
     the same relays; the page's JavaScript heap growth per update (CDP, after GC).
  2. offline edits: 10,000 edits made while the page's network path is cut (a TCP proxy):
     the time until they are all stored in IndexedDB, beside the same edits with memory
     storage; then the proxy is restored and the time from the page's reconnection (its
     backoff timer decides when: a cut path fires no "online" event) until every edit is
     acknowledged, beside the Python client flushing the same 10,000 edits from its
     reconnection through its own proxy.

    .venv/bin/python bench/bench_live_client.py [--relays 5000] [--edits 10000] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the browser-page and proxy helpers of the tests

from live_browser import CuttableProxy, LivePage, launch  # noqa: E402
from support import BASE_URL, PASSWORD, ServerProcess  # noqa: E402

from openlifter.client import LiveClient  # noqa: E402

ENDPOINTS = [("Director", 10), ("Page", 5), ("Python", 5), ("Memory", 5)]
TIME_HANDLING = """() => {
  window.busyMs = 0; window.firstRelayAt = null; window.doneAt = null; window.readsOfState = 0;
  const handle = client._frame.bind(client);
  client._frame = (text) => {
    const started = performance.now();
    if (window.firstRelayAt === null) window.firstRelayAt = started;
    handle(text);
    window.busyMs += performance.now() - started;
  };
  client.on("change", () => { window.readsOfState += client.state.registration ? 1 : 0; });
}"""
WATCH_RECONNECT = """() => {
  window.reconnectedAt = null;
  client.on("status", (status) => { if (status === "syncing" && window.reconnectedAt === null) window.reconnectedAt = performance.now(); });
}"""
OFFLINE_EDITS = """async (count) => {
  const started = performance.now();
  for (let i = 0; i < count; i++) client.edit(`registration.entries[${Math.floor(i / 50)}].note${i % 50}`, `edit ${i}`);
  const made = performance.now();
  await client.saved();
  return { makeMs: made - started, storedMs: performance.now() - started };
}"""


def relay_key(i: int) -> tuple[str, object]:
    fields = ["bodyweightKg", "squatKg[0]", "benchKg[1]", "deadliftKg[2]", "lot"]
    return f"registration.entries[{i % 200}].{fields[i % 5]}", 60 + (i % 97) / 2


async def heap_used(page) -> int:
    cdp = await page.page.context.new_cdp_session(page.page)
    await cdp.send("HeapProfiler.collectGarbage")
    usage = await cdp.send("Runtime.getHeapUsage")
    await cdp.detach()
    return int(usage["usedSize"])


async def bench_relays(browser, server, meet_id: str, director: LiveClient, origin: str, ws: str, count: int) -> dict:
    page = await LivePage.open(browser, origin, BASE_URL, ws, "Page")
    await page.join(meet_id, PASSWORD)
    await page.js(TIME_HANDLING)
    python = await LiveClient.join(ws, meet_id, PASSWORD, "Python")
    python_busy = 0.0
    python_first: float | None = None
    python_done: float | None = None
    handle = python.session.handle

    def timed(message):
        nonlocal python_busy, python_first, python_done
        started = time.perf_counter()
        python_first = python_first or started
        replies = handle(message)
        python_busy += time.perf_counter() - started
        if python.session.head >= base + count and python_done is None:
            python_done = time.perf_counter()
        return replies

    python.session.handle = timed  # type: ignore[method-assign]
    base = await page.head()
    heap_before = await heap_used(page)
    for start in range(0, count, 500):
        await director.edit_many(relay_key(i) for i in range(start, min(count, start + 500)))
    await director.settle(60)
    await page.wait_until(f"client.head === {base + count}", 60)
    span_ms = await page.js("() => performance.now() - window.firstRelayAt")
    busy_ms = await page.js("() => window.busyMs")
    while python.session.head < base + count:
        await asyncio.sleep(0.01)
    heap_after = await heap_used(page)
    assert python_first is not None  # the Python client got relays
    await python.close()
    await page.page.context.close()
    python_busy_ms = python_busy * 1000
    return {
        "relays": count,
        "page_handling_ms": round(busy_ms, 1),
        "python_handling_ms": round(python_busy_ms, 1),
        "handling_ratio_page_to_python": round(busy_ms / python_busy_ms, 2),
        "page_first_to_last_ms": round(span_ms, 1),
        "python_first_to_last_ms": round(((python_done or time.perf_counter()) - python_first) * 1000, 1),
        "page_heap_growth_mb": round((heap_after - heap_before) / 2**20, 2),
        "page_heap_bytes_per_update": round((heap_after - heap_before) / count),
    }


async def bench_offline(browser, server, meet_id: str, origin: str, count: int) -> dict:
    results: dict[str, float] = {"edits": count}
    stored = {}
    for location, storage in (("Page", "indexeddb"), ("Memory", "memory")):
        proxy = await CuttableProxy(server.port, record=False).start()
        page = await LivePage.open(browser, origin, BASE_URL, f"ws://127.0.0.1:{proxy.port}{BASE_URL}ws", location)
        if storage == "memory":
            await page.js("([url, location]) => window.openClient({ url, location, storage: 'memory' })", [page.ws_url, location])
        await page.join(meet_id, PASSWORD)
        await page.wait_until("client.status === 'online'", 60)  # caught up before the cut
        await proxy.cut()
        await page.wait_until("client.status === 'offline'")
        stored[storage] = await page.js(OFFLINE_EDITS, count)
        if storage == "indexeddb":
            await page.js(WATCH_RECONNECT)
            restored_at = await page.js("() => performance.now()")
            await proxy.restore()
            flushed_at = await asyncio.wait_for(page.js("() => client.flush().then(() => performance.now())"), 300)
            reconnected_at = await page.js("() => window.reconnectedAt")
            results["page_reconnect_wait_ms"] = round(reconnected_at - restored_at, 1)
            results["page_flush_ms"] = round(flushed_at - reconnected_at, 1)
        await page.page.context.close()
        await proxy.close()
    results["indexeddb_store_ms"] = round(stored["indexeddb"]["storedMs"], 1)
    results["memory_store_ms"] = round(stored["memory"]["storedMs"], 1)
    results["store_ratio_indexeddb_to_memory"] = round(stored["indexeddb"]["storedMs"] / stored["memory"]["storedMs"], 2)

    proxy = await CuttableProxy(server.port, record=False).start()
    url = f"ws://127.0.0.1:{proxy.port}{BASE_URL}ws"
    python = await LiveClient.join(url, meet_id, PASSWORD, "Python")
    await python.disconnect()
    for i in range(count):
        python.session.edit(f"registration.entries[{i // 50}].pynote{i % 50}", f"edit {i}")
    started = time.perf_counter()
    await python.reconnect(url)
    await python.settle(300)
    results["python_flush_ms"] = round((time.perf_counter() - started) * 1000, 1)
    results["flush_ratio_page_to_python"] = round(results["page_flush_ms"] / results["python_flush_ms"], 2)
    await python.close()
    await proxy.close()
    return results


async def main(args: argparse.Namespace) -> dict:
    from playwright.async_api import async_playwright

    with tempfile.TemporaryDirectory() as folder:
        server = ServerProcess(Path(folder) / "data", "--base-url", BASE_URL, "--log-level", "WARNING").start()
        try:
            origin = f"http://127.0.0.1:{server.port}"
            ws = f"ws://127.0.0.1:{server.port}{BASE_URL}ws"
            director = await LiveClient.create(ws, "Director", PASSWORD, ENDPOINTS)
            assert director.session.meet_id is not None  # set by MEET_CREATED
            async with async_playwright() as playwright:
                browser = await launch(playwright)
                relays = await bench_relays(browser, server, director.session.meet_id, director, origin, ws, args.relays)
                await director.close()  # it shares this process (and the proxies' loop) otherwise
                offline = await bench_offline(browser, server, director.session.meet_id, origin, args.edits)
                await browser.close()
        finally:
            server.terminate()
    return {"relays": relays, "offline": offline}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--relays", type=int, default=5000, help="relayed updates a page applies (default 5000)")
    parser.add_argument("--edits", type=int, default=10000, help="offline edits a page makes (default 10000)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    arguments = parser.parse_args()
    figures = asyncio.run(main(arguments))
    if arguments.json:
        print(json.dumps(figures))
    else:
        for part, values in figures.items():
            print(part)
            for name, value in values.items():
                print(f"  {name:36} {value}")
