"""The attempt clock (issue 12) in headless Chromium against a real server process: started
on the scoring table, it reads the same on the overlay and the scoreboard (also after a
reload and a reconnect), stops and resets everywhere, and warns at 30 s and at 0.
Screenshots at 1920x1080 in screenshots/."""

from __future__ import annotations

import asyncio
import time

import pytest

from console_browser import (
    director_live,
    SCREENSHOTS, ConsolePage, TcpCut, chromium_available, open_display, open_table, run_in_browser,
)
from openlifter.views.clock import clock_text
from support import BASE_URL


pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not chromium_available(), reason="Debian's chromium is not installed (apt-get install chromium)"),
]
HD = {"width": 1920, "height": 1080}
SAME_WITHIN_MS = 200
# What a page's clock showed at its last tick, and when (the browser's own ms since the epoch).
READING = """() => {
  const el = document.querySelector('[data-clock]');
  if (!el || el.dataset.tickedAt === undefined) return null;
  return {remaining: Number(el.dataset.remainingMs), tickedAt: Number(el.dataset.tickedAt), running: el.dataset.running === '1',
          text: el.querySelector('[data-clock-time]').textContent, warning: el.classList.contains('is-warning'),
          expired: el.classList.contains('is-expired')};
}"""


async def clock_page(browser, origin: str, meet_id: str, key: str, page: str, **params: str) -> ConsolePage:
    view = await open_display(browser, origin, meet_id, key, page, **params)
    await view.wait_until("!!document.querySelector('[data-clock][data-ticked-at]')", 10)
    return view


async def readings(pages: list[ConsolePage]) -> list[dict]:
    """Every page's clock brought to one instant (the latest tick among them)."""
    for _ in range(20):  # a fragment swapped in a moment ago has not ticked yet
        raw = await asyncio.gather(*(page.page.evaluate(READING) for page in pages))
        if all(r is not None for r in raw):
            break
        await asyncio.sleep(0.05)
    assert all(r is not None for r in raw), raw
    instant = max(r["tickedAt"] for r in raw)
    for r in raw:
        assert r["text"] == clock_text(r["remaining"])  # the face shows what the tick computed
        r["at_instant"] = r["remaining"] - (instant - r["tickedAt"]) if r["running"] else r["remaining"]
    return raw


async def read_the_same(pages: list[ConsolePage], running: bool) -> list[dict]:
    shown = await readings(pages)
    assert [r["running"] for r in shown] == [running] * len(pages), shown
    values = [r["at_instant"] for r in shown]
    assert max(values) - min(values) <= SAME_WITHIN_MS, shown
    return shown


async def all_show(pages: list[ConsolePage], expression: str, timeout: float) -> None:
    await asyncio.gather(*(page.wait_until(expression, timeout) for page in pages))


RUNNING = "document.querySelector('[data-clock]').dataset.running === '1'"
STOPPED = "document.querySelector('[data-clock]').dataset.running === '0'"


def test_the_clock_started_on_the_table_reads_the_same_on_the_overlay_and_the_scoreboard(server_process, tmp_path):
    server = server_process("--base-url", BASE_URL)
    origin = f"http://127.0.0.1:{server.port}"

    async def scenario(browser) -> None:
        director, meet_id, key = await director_live(browser, origin, tmp_path)
        table = await open_table(browser, origin, meet_id, 1)
        await table.wait_until("document.body.dataset.clockOffset !== undefined", 10)  # it follows the server's time
        overlay = await clock_page(browser, origin, meet_id, key, "overlay", parts="clock,lowerthird", preview="1")
        wifi = await TcpCut(server.port).start()  # the scoreboard's network, cut and restored below
        scoreboard = await clock_page(browser, wifi.origin, meet_id, key, "scoreboard")
        pages = [table, overlay, scoreboard]
        first = await readings(pages)
        assert [(r["running"], r["text"]) for r in first] == [(False, "1:00")] * 3

        clicked = time.monotonic()
        await table.page.click("[data-clock-start]")
        await all_show(pages, RUNNING, 5)
        assert time.monotonic() - clicked < 1.0, "the displays started the clock more than a second after the table"
        await asyncio.sleep(1.2)
        shown = await read_the_same(pages, running=True)
        assert all(57_000 < r["at_instant"] < 59_500 for r in shown), shown

        await overlay.page.reload()
        await overlay.wait_until("document.body.dataset.live === '1' && !!document.querySelector('[data-clock][data-ticked-at]')", 10)
        await read_the_same(pages, running=True)

        await wifi.cut()
        await scoreboard.wait_until("document.body.dataset.live === '0'", 10)
        await wifi.restore()
        await scoreboard.wait_until("document.body.dataset.live === '1'", 20)
        await read_the_same(pages, running=True)

        await table.page.click("[data-clock-stop]")
        await all_show(pages, STOPPED, 5)
        stopped = await read_the_same(pages, running=False)
        await asyncio.sleep(0.5)
        assert [r["remaining"] for r in await readings(pages)] == [r["remaining"] for r in stopped]  # a stopped clock stays

        await table.page.click("[data-clock-reset]")
        await all_show(pages, "document.querySelector('[data-clock]').dataset.durationMs === '60000'", 5)
        assert [r["text"] for r in await readings(pages)] == ["1:00"] * 3

        for page in pages:
            assert page.problems == []
        await wifi.close()

    run_in_browser(scenario)


def test_the_second_clock_warns_at_thirty_seconds_and_at_zero_on_every_screen(server_process, tmp_path):
    server = server_process("--base-url", BASE_URL)
    origin = f"http://127.0.0.1:{server.port}"

    async def scenario(browser) -> None:
        director, meet_id, key = await director_live(browser, origin, tmp_path)
        table = await open_table(browser, origin, meet_id, 1)
        overlay = await clock_page(browser, origin, meet_id, key, "overlay", parts="clock,lowerthird,next,bar,standings")
        scoreboard = await clock_page(browser, origin, meet_id, key, "scoreboard")
        pages = [table, overlay, scoreboard]

        await table.page.fill("[data-second-clock]", "32")
        await table.page.click("[data-clock-second]")
        await all_show(pages, "document.querySelector('[data-clock]').dataset.durationMs === '32000'", 5)
        shown = await readings(pages)
        assert [(r["text"], r["warning"]) for r in shown] == [("0:32", False)] * 3
        await table.page.click("[data-clock-start]")
        await all_show(pages, "document.querySelector('[data-clock]').classList.contains('is-warning')", 6)
        assert all(r["at_instant"] <= 30_000 for r in await readings(pages))

        SCREENSHOTS.mkdir(exist_ok=True)
        await overlay.page.screenshot(path=str(SCREENSHOTS / "overlay-clock-1920x1080.png"), animations="disabled")
        await scoreboard.page.screenshot(path=str(SCREENSHOTS / "scoreboard-clock-1920x1080.png"), animations="disabled")
        await table.page.set_viewport_size(HD)
        await table.page.screenshot(path=str(SCREENSHOTS / "console-table-clock-1920x1080.png"), animations="disabled")

        await table.page.fill("[data-second-clock]", "1")
        await table.page.click("[data-clock-second]")
        await all_show(pages, STOPPED, 5)
        await table.page.click("[data-clock-start]")
        await all_show(pages, "document.querySelector('[data-clock]').classList.contains('is-expired')", 5)
        assert [r["text"] for r in await readings(pages)] == ["0:00"] * 3
        await overlay.page.screenshot(path=str(SCREENSHOTS / "overlay-clock-expired-1920x1080.png"), animations="disabled")
        for page in pages:
            assert page.problems == []

    run_in_browser(scenario)
