"""A randomized run of the JavaScript client in Chromium: three pages with random
priorities make random edits (overlapping keys included), lose their network path (a
proxy the test cuts) and reload at random; at the end all hold the server's state, and
every edit the server answered obeys the priority rule, judged by the same oracle as the
Python clients' run (tests/convergence_oracle.py) from the frames seen on the wire.

Seeds are fixed so a failure replays; BROWSER_CONVERGENCE_SEEDS=50 runs more.
"""

from __future__ import annotations

import asyncio
import os
import random
from typing import Any

import pytest

from convergence_oracle import KEYS, assert_priority_rule, materialize, random_value, read_log
from live_browser import CuttableProxy, LivePage, chromium_available, launch, ws_via
from openlifter.client import Answer
from support import BASE_URL, PASSWORD

SEEDS = range(int(os.environ.get("BROWSER_CONVERGENCE_SEEDS", "2")))
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not chromium_available(), reason="Debian's chromium is not installed (apt-get install chromium)"),
]


def answers_on_the_wire(proxy: CuttableProxy) -> list[Answer]:
    """Each edit as the page sent it, with the server's answer, as the proxy saw them."""
    sent: dict[int, dict[str, Any]] = {}
    for frame in proxy.from_page:
        if frame.get("msgType") == "UPDATE_INIT":
            for update in frame["updates"]:
                earlier = sent.setdefault(update["localSeqNum"], update)
                assert earlier == update, "a localSeqNum was reused for another update"
    answers = []
    for frame in proxy.to_page:
        if frame.get("msgType") == "UPDATE_ACK":
            for ack in frame["updateAcks"]:
                update = sent[ack["localSeqNum"]]
                answers.append(Answer(
                    ack["localSeqNum"], update["updateKey"], update["updateValue"], update["afterServerSeqNum"], True,
                    ack["serverSeqNum"]))
        elif frame.get("msgType") == "UPDATE_REJECTED":
            for rejection in frame["updatesRejected"]:
                update = sent[rejection["localSeqNum"]]
                answers.append(Answer(
                    rejection["localSeqNum"], update["updateKey"], update["updateValue"], update["afterServerSeqNum"], False,
                    conflict=rejection["conflict"], reason=rejection["reason"]))
    return answers


async def run_scenario(seed: int, browser, server) -> None:
    rng = random.Random(seed)
    names = ["Loc0", "Loc1", "Loc2"]
    priorities = {name: rng.choice([1, 2, 2, 3, 5]) for name in names}
    origin = f"http://127.0.0.1:{server.port}"
    proxies = {name: await CuttableProxy(server.port).start() for name in names}
    pages = {
        name: await LivePage.open(browser, origin, BASE_URL, ws_via(proxies[name], BASE_URL), name)
        for name in names
    }
    try:
        created = await pages["Loc0"].create(PASSWORD, list(priorities.items()))
        meet_id = created["meetId"]
        for name in names[1:]:
            await pages[name].join(meet_id, PASSWORD)
        for _ in range(rng.randint(30, 50)):
            name = rng.choice(names)
            page, proxy = pages[name], proxies[name]
            roll = rng.random()
            if roll < 0.65:
                key = rng.choice(KEYS)
                await page.edit(key, random_value(rng, key))
            elif roll < 0.78 and proxy.online:
                await proxy.cut()
            elif roll < 0.9 and not proxy.online:
                await proxy.restore()
            elif roll < 0.96:
                await page.reload()
                await page.resume(meet_id)
            else:
                await asyncio.sleep(rng.random() * 0.05)

        for name in names:
            await proxies[name].restore()
            # After many failed attempts the next one may be 15 s away: come back now.
            await pages[name].js("() => window.dispatchEvent(new Event('online'))")
        for _ in range(2):  # answers to late edits trigger nothing new, but relays may lag
            for name in names:
                await pages[name].flush(timeout=20)
        log = read_log(server, meet_id)
        server_state = materialize(log)
        assert [entry["serverSeqNum"] for entry in log] == list(range(1, len(log) + 1)), "seqs have gaps"
        applied = [(entry["locationName"], entry["localSeqNum"]) for entry in log]
        assert len(applied) == len(set(applied)), "an edit was applied twice"
        for name in names:
            page = pages[name]
            await page.wait_until(f"client.status === 'online' && client.head === {len(log)}", 15)
            assert await page.js("() => client.pendingCount") == 0, "an edit was never answered"
            assert await page.state() == server_state == await page.canonical_state()
            answers = answers_on_the_wire(proxies[name])
            for answer in answers:
                if answer.accepted:
                    assert answer.server_seq is not None  # an accepted edit has its seq
                    assert log[answer.server_seq - 1]["locationName"] == name
            assert_priority_rule(log, name, priorities[name], answers)
            assert page.problems == [], page.problems
    finally:
        for proxy in proxies.values():
            await proxy.close()


@pytest.mark.timeout(180)
@pytest.mark.parametrize("seed", SEEDS)
def test_three_pages_with_random_cuts_and_reloads_converge_by_priority(seed, server_process):
    from playwright.async_api import async_playwright

    server = server_process("--base-url", BASE_URL)

    async def main():
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            try:
                await run_scenario(seed, browser, server)
            finally:
                await browser.close()

    asyncio.run(main())
