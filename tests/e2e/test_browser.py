"""The display pages in headless Chromium against a real server process.

The scoreboard and the lower third change when an attempt is marked through /ws, with no
reload; a display resyncs by itself after a server restart. Every page is saved as a
1920x1080 screenshot under screenshots/ (see the README) for a person to look at.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlencode

import pytest

from display_states import LiveMeetHandle, create_live_meet, declare, demo_state, mark
from support import BASE_URL, connect_url

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
ERIK, OSKAR = 5007, 5004

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (apt-get install chromium)"),
]


def page_url(server, meet: LiveMeetHandle, page: str, **params: str) -> str:
    return f"http://127.0.0.1:{server.port}{BASE_URL}meets/{meet.meet_id}/{page}?{urlencode({'key': meet.display_key, **params})}"


async def launch(playwright):
    return await playwright.chromium.launch(
        executable_path=CHROMIUM, args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"])


# Counts the page's feed sockets (window.__sockets), to see a resync reconnect.
COUNT_SOCKETS = """
window.__sockets = 0;
const Native = window.WebSocket;
window.WebSocket = function (url, protocols) { window.__sockets += 1; return new Native(url, protocols); };
window.WebSocket.prototype = Native.prototype;
"""


async def open_live(browser, url: str):
    page = await browser.new_page(viewport={"width": 1920, "height": 1080})
    await page.add_init_script(COUNT_SOCKETS)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    await page.goto(url)
    await page.wait_for_selector('body[data-live="1"]', timeout=5000)
    await page.evaluate("window.__notReloaded = true")
    return page, problems


async def wait_until(page, expression: str, timeout: float) -> None:
    """Poll ``expression`` (page.wait_for_function evaluates strings, which our CSP forbids)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await page.evaluate(expression):
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        await asyncio.sleep(0.05)


async def entry_shown(page, selector: str) -> str | None:
    return await page.evaluate(f"(document.querySelector({selector!r}) || {{dataset: {{}}}}).dataset.entry || null")


async def shoot(page, name: str, **options) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    # Entrance animations are fast-forwarded, so the picture shows the settled page.
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), animations="disabled", **options)


def test_scoreboard_and_lower_third_follow_a_marked_attempt(server_process):
    from playwright.async_api import async_playwright

    server = server_process("--base-url", BASE_URL)

    async def scenario() -> None:
        state = demo_state()
        meet = await create_live_meet(await connect_url(f"ws://127.0.0.1:{server.port}{BASE_URL}ws"), state)
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            board, board_problems = await open_live(browser, page_url(server, meet, "scoreboard"))
            third, third_problems = await open_live(browser, page_url(server, meet, "overlay", parts="lowerthird", preview="1"))
            assert await entry_shown(board, "[data-fragment=current] .sb-card") == str(ERIK)
            assert await entry_shown(third, "[data-fragment=lowerthird] .lt") == str(ERIK)
            assert "ERIK SANDBERG" in (await third.inner_text(".lt-name"))
            await shoot(board, "scoreboard")
            await shoot(third, "overlay-lower-third-preview")

            await meet.change(mark(state, ERIK, "S", 1, True))
            await wait_until(board, f"document.body.dataset.seq === '{meet.head}'", 3.0)
            await wait_until(third, f"document.body.dataset.seq === '{meet.head}'", 3.0)
            assert await entry_shown(board, "[data-fragment=current] .sb-card") == str(OSKAR)
            assert await entry_shown(third, "[data-fragment=lowerthird] .lt") == str(OSKAR)
            assert "212.5" in await third.inner_text(".lt-weight")
            good = await board.inner_text(f"[data-fragment=order] tr[data-entry='{ERIK}'] td.att-good")
            assert good == "230"
            assert await board.evaluate("window.__notReloaded") and await third.evaluate("window.__notReloaded")
            await shoot(board, "scoreboard-after-good-lift")
            await shoot(third, "overlay-lower-third-after-good-lift-preview")

            await browser.close()
        assert board_problems == [] and third_problems == []
        meet.client.close()

    asyncio.run(scenario())


def test_every_page_renders_for_a_screenshot(server_process):
    """A screenshot of each page at 1920x1080 (overlays also on a preview backdrop)."""
    from playwright.async_api import async_playwright

    server = server_process("--base-url", BASE_URL)

    async def scenario() -> None:
        state = demo_state()
        meet = await create_live_meet(await connect_url(f"ws://127.0.0.1:{server.port}{BASE_URL}ws"), state)
        await meet.change(mark(state, ERIK, "S", 1, True), declare(state, ERIK, "S", 2, 240), mark(state, OSKAR, "S", 2, True))
        everything = "lowerthird,next,bar,standings"
        pages = {
            "index": (page_url(server, meet, ""), {"full_page": True}),
            "overlay-all-parts-preview": (page_url(server, meet, "overlay", parts=everything, preview="1"), {}),
            "overlay-all-parts-transparent": (page_url(server, meet, "overlay", parts=everything), {"omit_background": True}),
            "overlay-next-preview": (page_url(server, meet, "overlay", parts="next", next="5", preview="1"), {}),
            "overlay-bar-preview": (page_url(server, meet, "overlay", parts="bar", preview="1"), {}),
            "overlay-standings-preview": (
                page_url(server, meet, "overlay", parts="standings", division="Open", **{"class": "93"}, preview="1"), {}),
            "scoreboard-platform-2": (page_url(server, meet, "scoreboard", day="1", platform="2"), {}),
        }
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            page = await browser.new_page(viewport={"width": 1920, "height": 1080})
            problems: list[str] = []
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
            for name, (url, options) in pages.items():
                await page.goto(url)
                if name != "index":
                    await page.wait_for_selector('body[data-live="1"]', timeout=5000)
                assert await page.evaluate("document.documentElement.scrollWidth <= 1920"), f"{name} overflows sideways"
                await shoot(page, name, **options)
            await browser.close()
        assert problems == []
        meet.client.close()

    asyncio.run(scenario())


def test_a_display_resyncs_after_a_server_restart(server_process):
    from playwright.async_api import async_playwright

    server = server_process("--base-url", BASE_URL)

    async def scenario() -> None:
        state = demo_state()
        ws = f"ws://127.0.0.1:{server.port}{BASE_URL}ws"
        meet = await create_live_meet(await connect_url(ws), state)
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            board, _ = await open_live(browser, page_url(server, meet, "scoreboard"))
            meet.client.close()
            server.kill()
            await board.wait_for_selector('body[data-live="0"]', timeout=3000)
            server.start()  # same port, same data folder: the meet and its session survive
            meet.client = await connect_url(ws)
            await meet.change(mark(state, ERIK, "S", 1, False))
            await wait_until(board, f"document.body.dataset.seq === '{meet.head}'", 12.0)
            assert await entry_shown(board, "[data-fragment=current] .sb-card") == str(OSKAR)
            assert await board.inner_text(f"[data-fragment=order] tr[data-entry='{ERIK}'] td.att-fail") == "230"
            assert await board.evaluate("window.__notReloaded")
            await browser.close()
        meet.client.close()

    asyncio.run(scenario())


def test_a_page_that_missed_a_frame_resyncs_from_a_snapshot_and_keeps_the_server_clock(server_process):
    from playwright.async_api import async_playwright

    server = server_process("--base-url", BASE_URL)

    async def scenario() -> None:
        state = demo_state()
        meet = await create_live_meet(await connect_url(f"ws://127.0.0.1:{server.port}{BASE_URL}ws"), state)
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            third, problems = await open_live(browser, page_url(server, meet, "overlay", parts="lowerthird,next", preview="1"))
            assert await third.evaluate("Math.abs(Number(document.body.dataset.clockOffset)) < 60000")
            await third.evaluate("document.body.dataset.seq = '-7'")  # as if a frame had been lost
            await meet.change(mark(state, ERIK, "S", 1, True))  # the frame from the real seq does not follow on
            await wait_until(third, f"document.body.dataset.seq === '{meet.head}'", 5.0)
            assert await entry_shown(third, "[data-fragment=lowerthird] .lt") == str(OSKAR)
            assert await third.evaluate("window.__notReloaded") and await third.evaluate("window.__sockets") == 2
            await browser.close()
        assert problems == []
        meet.client.close()

    asyncio.run(scenario())
