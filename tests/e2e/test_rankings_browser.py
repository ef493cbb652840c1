"""Best lifter by points and the lower third's place and needs (issue 12) in headless
Chromium against a real server process: the overlay part and the scoreboard panel show
/api/rankings, and follow an attempt judged on the table. Screenshots at 1920x1080."""

from __future__ import annotations

import json

import pytest

from console_browser import (
    SCREENSHOTS, ConsolePage, api, chromium_available, go_live, open_display, open_table, run_in_browser, two_platform_meet,
)
from support import BASE_URL

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not chromium_available(), reason="Debian's chromium is not installed (apt-get install chromium)"),
]
SHOWN_ROWS = "[...document.querySelectorAll('[data-ranking] tr[data-entry]')].map(r => [Number(r.dataset.entry), r.querySelector('.c-pl').textContent])"


def finished_squats_and_benches(state: dict) -> None:
    """Everyone on platform 2 has a total already, so there is a ranking to show."""
    for e in state["registration"]["entries"]:
        for lift in ("squat", "bench", "deadlift"):
            if e["platform"] == 2:
                e[f"{lift}Kg"][0] = e[f"{lift}Kg"][0] or 100
                e[f"{lift}Status"][0] = 1


def expected_rows(server, meet_id: str, key: str, entry: int | None) -> list[list]:
    rankings = api(server.port, meet_id, key, "rankings")["rankings"]["categories"]
    chosen = next((c for c in rankings if any(r["id"] == entry for r in c["rows"])), rankings[0])
    return [[r["id"], r["place"]] for r in chosen["rows"][:8]]


def test_the_rankings_part_and_panel_show_openlifters_best_lifter_and_follow_the_table(server_process, tmp_path):
    server = server_process("--base-url", BASE_URL)
    origin = f"http://127.0.0.1:{server.port}"

    async def scenario(browser) -> None:
        director = await ConsolePage.open(browser, origin, "director")
        meet_id, key = await go_live(director, two_platform_meet(tmp_path, finished_squats_and_benches))
        table = await open_table(browser, origin, meet_id, 2)
        overlay = await open_display(browser, origin, meet_id, key, "overlay", platform="2", parts="rankings,lowerthird", preview="1")
        scoreboard = await open_display(browser, origin, meet_id, key, "scoreboard", platform="2", panel="rankings")
        current = int(await table.dataset("tableCurrent"))
        rows = expected_rows(server, meet_id, key, current)
        assert len(rows) >= 2
        assert await overlay.js(SHOWN_ROWS) == rows
        assert await scoreboard.js(SHOWN_ROWS) == rows
        needs = await overlay.js("(document.querySelector('[data-lead]') || {textContent: ''}).textContent")
        lifting = next(p for p in api(server.port, meet_id, key, "lifting")["platforms"] if p["id"] == "1-2")
        assert lifting["current"]["lead"]["text"] and lifting["current"]["lead"]["text"] in needs
        SCREENSHOTS.mkdir(exist_ok=True)
        await overlay.page.screenshot(path=str(SCREENSHOTS / "overlay-rankings-lowerthird-1920x1080.png"), animations="disabled")
        await scoreboard.page.screenshot(path=str(SCREENSHOTS / "scoreboard-rankings-1920x1080.png"), animations="disabled")

        # The table judges the next attempts: the rankings on both screens follow.
        for _ in range(3):
            await table.wait_until("!document.querySelector('[data-good]').disabled")
            await table.page.click("[data-good]")
            await table.wait_until("document.body.dataset.editsWaiting === '0'", 10)
        after = expected_rows(server, meet_id, key, int(await table.dataset("tableCurrent") or 0))
        wanted = json.dumps(json.dumps(after, separators=(",", ":")))  # as JSON.stringify writes it, quoted for JavaScript
        await overlay.wait_until(f"JSON.stringify({SHOWN_ROWS}) === {wanted}", 5)
        await scoreboard.wait_until(f"JSON.stringify({SHOWN_ROWS}) === {wanted}", 5)
        for page in (table, overlay, scoreboard):
            assert page.problems == []

    run_in_browser(scenario)
