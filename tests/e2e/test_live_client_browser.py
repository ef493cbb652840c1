"""The JavaScript live client (static/js/live/client.js) in headless Chromium against a
real server process: two locations converge, an offline page (its network path really
cut) merges on reconnect, the server recovers lost state from the pages, an edit follows
its lifter when another table deleted an earlier one, and bad input is refused."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
import urllib.request

import pytest

from live_browser import CuttableProxy, LivePage, chromium_available, launch
from support import BASE_URL, PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not chromium_available(), reason="Debian's chromium is not installed (apt-get install chromium)"),
]
ENDPOINTS = [("Director", 10), ("Platform 1", 5)]


def api_state(server, meet_id: str, display_key: str) -> dict:
    url = f"http://127.0.0.1:{server.port}{BASE_URL}meets/{meet_id}/api/state?key={display_key}"
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def read_log(server, meet_id: str) -> list[dict]:
    path = server.data_dir / "current-meets" / meet_id / "updates.log"
    return [json.loads(line) for line in path.read_text().splitlines()]


async def two_pages(browser, server, director_url=None, platform_url=None):
    origin = f"http://127.0.0.1:{server.port}"
    ws = f"ws://127.0.0.1:{server.port}{BASE_URL}ws"
    director = await LivePage.open(browser, origin, BASE_URL, director_url or ws, "Director")
    platform = await LivePage.open(browser, origin, BASE_URL, platform_url or ws, "Platform 1")
    created = await director.create(PASSWORD, ENDPOINTS)
    await platform.join(created["meetId"], PASSWORD)
    return director, platform, created["meetId"], created["displayKey"]


def run_in_browser(scenario):
    from playwright.async_api import async_playwright

    async def main():
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            try:
                await scenario(browser)
            finally:
                await browser.close()

    asyncio.run(main())


def test_two_locations_converge_to_the_server_state_and_relays_arrive_within_a_second(server_process):
    server = server_process("--base-url", BASE_URL)

    async def scenario(browser):
        director, platform, meet_id, key = await two_pages(browser, server)
        await director.edit("meet.name", "Spring Open")
        await platform.edit("registration.entries[0]", {"id": 1, "name": "Ann", "bodyweightKg": 60})
        await director.edit("registration.entries[0].name", "Ann Lee")
        await platform.edit("lifting.flight", "B")
        await director.flush()
        await platform.flush()

        started = time.monotonic()
        await director.edit("meet.city", "Oslo")
        await platform.wait_until("client.state.meet && client.state.meet.city === 'Oslo'", 1.0)
        assert time.monotonic() - started < 1.0

        await director.flush()
        served = api_state(server, meet_id, key)
        await director.wait_until(f"client.head === {served['seq']}")
        await platform.wait_until(f"client.head === {served['seq']}")
        assert await director.state() == await platform.state() == served["state"]
        assert await director.status() == await platform.status() == "online"
        assert director.problems == platform.problems == []

    run_in_browser(scenario)
