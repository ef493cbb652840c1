"""The meet console (SPEC 7) in headless Chromium against a real server process.

A meet goes live from the sample file through the page, a weigh-in browser enters
bodyweights and openers, the scoring table runs a whole flight with Good lift / No lift
while an overlay follows every attempt; a table whose network is really cut keeps going
and catches up; two platforms run at once without a conflict; the download holds the
same meet and publishing stores OpenLifter's CSV. Every page is saved as a screenshot at
1280x800 and 1024x768 in screenshots/.
"""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
from urllib.parse import urlencode

import pytest

from console_browser import SAMPLE, ConsolePage, TcpCut, api, chromium_available, go_live, join, launch
from display_states import demo_state
from openlifter.views.oplcsv import export_opl_csv
from support import BASE_URL

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not chromium_available(), reason="Debian's chromium is not installed (apt-get install chromium)"),
]
CURRENT_ON_OVERLAY = "(document.querySelector('[data-fragment=lowerthird] .lt') || {dataset: {}}).dataset.entry || ''"


def fresh_flight(tmp_path: Path) -> Path:
    """The sample meet before weigh-in: no bodyweights, no attempts."""
    state = json.loads(SAMPLE.read_text())
    for entry in state["registration"]["entries"]:
        entry["bodyweightKg"] = 0
        for lift in ("squat", "bench", "deadlift"):
            entry[f"{lift}Kg"] = [0] * 5
            entry[f"{lift}Status"] = [0] * 5
    path = tmp_path / "sample-before-weigh-in.openlifter"
    path.write_text(json.dumps(state))
    return path


def two_platform_meet(tmp_path: Path) -> Path:
    """The demo meet (two platforms of day 1) as a saved OpenLifter file."""
    state = demo_state()
    state["_persist"] = {"version": -1, "rehydrated": True}
    path = tmp_path / "Nordic-Open-2025.openlifter"
    path.write_text(json.dumps(state))
    return path


def run_in_browser(scenario) -> None:
    from playwright.async_api import async_playwright

    async def main() -> None:
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            try:
                await scenario(browser)
            finally:
                await browser.close()

    asyncio.run(main())


async def open_overlay(browser, server, meet_id: str, key: str, **params: str) -> ConsolePage:
    overlay = await ConsolePage.open(browser, f"http://127.0.0.1:{server.port}", "overlay")
    query = urlencode({"key": key, "parts": "lowerthird,standings", "rows": "20", "preview": "1", **params})
    await overlay.page.goto(overlay.url(f"meets/{meet_id}/overlay?{query}"))
    await overlay.wait_until("document.body.dataset.live === '1'", 10)
    return overlay


async def state_of(page: ConsolePage) -> dict:
    return await page.js("window.__console.state")


async def judge(table: ConsolePage, good: bool, by_keyboard: bool) -> tuple[int, str, int]:
    """Good lift / No lift for the current lifter; returns (entry id, lift, attempt) judged."""
    entry, lift, attempt = int(await table.dataset("tableCurrent")), await table.dataset("tableLift"), int(await table.dataset("tableAttempt"))
    if by_keyboard:
        await table.page.keyboard.press("g" if good else "n")
    else:
        await table.page.click("[data-good]" if good else "[data-bad]")
    await table.wait_until(
        f"window.__console.state.registration.entries.find(e => e.id === {entry})"
        f".{ {'S': 'squat', 'B': 'bench', 'D': 'deadlift'}[lift] }Status[{attempt - 1}] === {1 if good else -1}")
    return entry, lift, attempt


async def declare(table: ConsolePage, entry: int, lift: str, attempt: int, kg: float) -> None:
    """The lifter's next attempt, entered in its cell of the flight's order."""
    await table.page.click(f"tr[data-entry='{entry}'] button[data-cell='{lift}{attempt}']")
    await table.page.fill("[data-attempt-form] input[name=weight]", str(kg))
    await table.page.click("[data-attempt-form] button[value=weight]")
    field = {"S": "squatKg", "B": "benchKg", "D": "deadliftKg"}[lift]
    await table.wait_until(f"window.__console.state.registration.entries.find(e => e.id === {entry}).{field}[{attempt - 1}] === {kg}")


async def overlay_follows(overlay: ConsolePage, table: ConsolePage, timeout: float = 5.0) -> None:
    current = await table.dataset("tableCurrent")
    await overlay.wait_until(f"{CURRENT_ON_OVERLAY} === {json.dumps(current)}", timeout)


async def run_flight(table: ConsolePage, overlay: ConsolePage | None, lifts: str = "SBD", step: float = 2.5,
                     on_attempt=None) -> list[tuple[int, str, int, bool]]:
    """Run every attempt of the flight on the table: judge, declare the next attempt, and
    (with an overlay) see the overlay follow each one. Returns what was judged."""
    judged = []
    for lift in lifts:
        if await table.dataset("tableLift") != lift:
            await table.page.select_option("[data-lift]", lift)
            await table.wait_until(f"document.body.dataset.tableLift === '{lift}'")
        while await table.dataset("tableCurrent"):
            good = len(judged) % 3 != 1  # a no lift now and then
            entry, lift_, attempt = await judge(table, good, by_keyboard=len(judged) % 2 == 0)
            judged.append((entry, lift_, attempt, good))
            if attempt < 3:
                state = await state_of(table)
                row = next(e for e in state["registration"]["entries"] if e["id"] == entry)
                field = {"S": "squatKg", "B": "benchKg", "D": "deadliftKg"}[lift_]
                await declare(table, entry, lift_, attempt + 1, row[field][attempt - 1] + (step if good else 0))
            if overlay is not None:
                await overlay_follows(overlay, table)
            if on_attempt is not None:
                await on_attempt(len(judged))
    return judged


async def table_standings(table: ConsolePage) -> dict[str, list[tuple[int, str]]]:
    return await table.js("""Object.fromEntries([...document.querySelectorAll('.c-standing')].map(t => [t.dataset.category,
        [...t.querySelectorAll('tr[data-entry]')].map(r => [Number(r.dataset.entry), r.cells[0].textContent])]))""")


def api_standings(server, meet_id: str, key: str) -> dict[str, list[tuple[int, str]]]:
    categories = api(server.port, meet_id, key, "standings")["standings"]["categories"]
    return {c["key"]: [[r["id"], r["place"]] for r in c["rows"]] for c in categories if c["rows"]}


def test_a_whole_flight_runs_from_the_console_while_weigh_in_enters_and_an_overlay_follows(server_process, tmp_path):
    server = server_process("--base-url", BASE_URL)
    origin = f"http://127.0.0.1:{server.port}"

    async def scenario(browser) -> None:
        director = await ConsolePage.open(browser, origin, "director")
        await director.goto("")
        await director.shoot("landing")
        await director.goto("console/go-live")
        await director.page.set_input_files("input[name=file]", str(fresh_flight(tmp_path)))
        await director.wait_until("document.querySelectorAll('.c-location').length >= 3")
        await director.shoot("go-live")
        meet_id, key = await go_live(director, fresh_flight(tmp_path))
        await director.shoot("go-live-done")

        weigh_in = await ConsolePage.open(browser, origin, "weigh-in", size=(412, 915))  # a phone
        await join(weigh_in, meet_id, "Weigh-in")
        await weigh_in.goto(f"console/meets/{meet_id}/weigh-in?location=Weigh-in")
        openers = {5027: (121.1, 112.5, 95, 172.5), 5028: (100.5, 180, 100, 200)}
        for entry, (bodyweight, squat, bench, deadlift) in openers.items():
            card = f"[data-entry='{entry}']"
            for name, value in (("bodyweightKg", bodyweight), ("squatKg0", squat), ("benchKg0", bench), ("deadliftKg0", deadlift)):
                await weigh_in.page.fill(f"{card} input[name={name}]", str(value))
                await weigh_in.page.press(f"{card} input[name={name}]", "Enter")
        await weigh_in.wait_until("document.body.dataset.editsWaiting === '0'", 10)
        assert (await weigh_in.js("document.querySelector(\"[data-entry='5028'] [data-class]\").textContent")) == "102.4 kg"
        await weigh_in.shoot("weigh-in")

        table = await ConsolePage.open(browser, origin, "table", size=(1024, 768))
        await join(table, meet_id, "Platform 1")
        await table.goto(f"console/meets/{meet_id}/table?location=Platform+1&day=1&platform=1")
        await table.wait_until("window.__console.state.registration.entries.every(e => e.bodyweightKg > 0 && e.deadliftKg[0] > 0)", 10)
        overlay = await open_overlay(browser, server, meet_id, key, day="1", platform="1")
        await overlay_follows(overlay, table)
        await table.shoot("table")

        judged = await run_flight(table, overlay)
        assert len(judged) == 2 * 3 * 3  # two lifters, three lifts, three attempts
        assert await table.dataset("tableCurrent") == ""
        await table.wait_until("document.body.dataset.editsWaiting === '0'", 10)
        await table.shoot("table-flight-complete")

        served = api_standings(server, meet_id, key)
        assert served and await table_standings(table) == served
        await overlay.wait_until("!!document.querySelector('[data-fragment=standings] .st')")
        shown_key = await overlay.js("document.querySelector('[data-fragment=standings] .st').dataset.category")
        overlay_rows = await overlay.js("""[...document.querySelectorAll('[data-fragment=standings] tr[data-entry]')]
            .map(r => [Number(r.dataset.entry), r.querySelector('.c-pl').textContent.trim()])""")
        assert overlay_rows == served[shown_key]

        state = api(server.port, meet_id, key, "state")["state"]
        for entry, lift, attempt, good in judged:
            row = next(e for e in state["registration"]["entries"] if e["id"] == entry)
            assert row[{"S": "squatStatus", "B": "benchStatus", "D": "deadliftStatus"}[lift]][attempt - 1] == (1 if good else -1)
        for page in (director, weigh_in, table, overlay):
            assert page.problems == []

    run_in_browser(scenario)
