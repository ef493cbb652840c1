"""Overlays use the bundled condensed font, not whatever the machine has (a stock Windows
OBS box has no condensed face and the scoreboard's columns overlapped)."""

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


def test_the_scoreboard_renders_in_the_bundled_font_served_by_the_server(server_process):
    from playwright.async_api import async_playwright

    server = server_process("--base-url", BASE_URL)

    async def scenario() -> list[str]:
        director = await connect_url(f"ws://127.0.0.1:{server.port}{BASE_URL}ws")
        meet = await create_live_meet(director, demo_state())
        director.close()
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"])
            page = await browser.new_page(viewport={"width": 1920, "height": 1080})
            fonts: list[str] = []
            page.on("response", lambda r: fonts.append(f"{r.status} {r.url}") if "/static/fonts/" in r.url else None)
            await page.goto(f"http://127.0.0.1:{server.port}{BASE_URL}meets/{meet.meet_id}/scoreboard?key={meet.display_key}")
            await page.evaluate("document.fonts.ready.then(() => true)")
            families = await page.evaluate("Array.from(document.fonts).filter(f => f.status === 'loaded').map(f => f.family + ' ' + f.weight)")
            loaded = [family.replace('"', "") for family in families]
            await browser.close()
            return [*fonts, *loaded]

    seen = asyncio.run(scenario())
    assert any(s.startswith("200 ") and s.endswith(".ttf") for s in seen), seen
    assert "Barlow Condensed 800" in seen or "Barlow Condensed 700" in seen, seen
