"""Theme parameters (issue 12) in headless Chromium: colours by URL restyle the overlay and
the scoreboard (over the built-in style and a named theme). Screenshots at 1920x1080."""

from __future__ import annotations

import pytest

from console_browser import director_live, SCREENSHOTS, chromium_available, open_display, run_in_browser
from support import BASE_URL

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not chromium_available(), reason="Debian's chromium is not installed (apt-get install chromium)"),
]
COLORS = {"accent": "2a9d8f", "accent-ink": "ffffff", "panel": "1d3557"}


def test_colours_by_url_restyle_the_overlay_and_the_scoreboard(server_process, tmp_path):
    server = server_process("--base-url", BASE_URL)
    origin = f"http://127.0.0.1:{server.port}"

    async def scenario(browser) -> None:
        director, meet_id, key = await director_live(browser, origin, tmp_path)
        overlay = await open_display(browser, origin, meet_id, key, "overlay", parts="lowerthird,standings,next,bar,clock", preview="1", **COLORS)
        scoreboard = await open_display(browser, origin, meet_id, key, "scoreboard", **COLORS)
        side = await overlay.js("getComputedStyle(document.querySelector('.lt-side')).backgroundColor")
        assert side == "rgb(42, 157, 143)"
        ink = await overlay.js("getComputedStyle(document.querySelector('.lt-side')).color")
        assert ink == "rgb(255, 255, 255)"
        panel = await overlay.js("getComputedStyle(document.querySelector('.lt-main')).backgroundColor")
        assert panel == "rgb(29, 53, 87)"
        rule = await scoreboard.js("getComputedStyle(document.querySelector('.sb-top')).borderBottomColor")
        plain = await open_display(browser, origin, meet_id, key, "scoreboard")
        assert rule != await plain.js("getComputedStyle(document.querySelector('.sb-top')).borderBottomColor")
        SCREENSHOTS.mkdir(exist_ok=True)
        await overlay.page.screenshot(path=str(SCREENSHOTS / "overlay-theme-colours-1920x1080.png"), animations="disabled")
        await scoreboard.page.screenshot(path=str(SCREENSHOTS / "scoreboard-theme-colours-1920x1080.png"), animations="disabled")
        for page in (overlay, scoreboard, plain):
            assert page.problems == []

    run_in_browser(scenario)
