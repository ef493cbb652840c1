"""Custom overlay themes (watchdog): a page opened with ?theme=NAME uses themes/NAME.css,
and an edit of that file reaches the open page without a reload."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from display_states import create_live_meet, demo_state
from support import BASE_URL, connect_url

CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (apt-get install chromium)"),
]

COLOUR = "getComputedStyle(document.body).borderTopColor"


def test_an_edited_theme_reaches_an_open_overlay_without_a_reload(server_process, tmp_path):
    from playwright.async_api import async_playwright

    themes = tmp_path / "themes"
    themes.mkdir()
    theme = themes / "venue.css"
    theme.write_text("body { border-top: 3px solid rgb(1, 2, 3); }\n")
    server = server_process("--base-url", BASE_URL, "--themes-dir", str(themes))

    async def scenario() -> tuple[str, str, bool, list[str]]:
        director = await connect_url(f"ws://127.0.0.1:{server.port}{BASE_URL}ws")
        meet = await create_live_meet(director, demo_state())
        director.close()
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"])
            page = await browser.new_page(viewport={"width": 1920, "height": 1080})
            problems: list[str] = []
            page.on("pageerror", lambda error: problems.append(str(error)))
            await page.goto(f"http://127.0.0.1:{server.port}{BASE_URL}meets/{meet.meet_id}/overlay?key={meet.display_key}&theme=venue")
            await page.evaluate("window.__notReloaded = true")
            before = await page.evaluate(COLOUR)
            await asyncio.sleep(0.5)  # the page's theme feed is open
            theme.write_text("body { border-top: 3px solid rgb(4, 5, 6); }\n")
            after = before
            for _ in range(100):
                after = await page.evaluate(COLOUR)
                if after != before:
                    break
                await asyncio.sleep(0.05)
            kept = await page.evaluate("window.__notReloaded === true")
            await browser.close()
            return before, after, kept, problems

    before, after, kept, problems = asyncio.run(scenario())
    assert before == "rgb(1, 2, 3)"
    assert after == "rgb(4, 5, 6)"
    assert kept and not problems

