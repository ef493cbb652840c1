"""The OpenLifter binding (static/js/live/redux.js) in Chromium: two Redux stores with
OpenLifter's state shape, each bound to a LiveClient at its own location, take
OpenLifter-like actions; the server receives the narrowest keys, remote changes arrive
through LIVE_APPLY, and both stores end equal to the server's state."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from live_browser import LivePage, chromium_available, launch
from support import BASE_URL, PASSWORD

ROOT = Path(__file__).resolve().parents[2]
REDUX = ROOT / "node_modules" / "redux" / "dist" / "redux.browser.mjs"
REDUCER = ROOT / "tests" / "js" / "openlifter_reducer.mjs"
SAMPLE = json.loads((ROOT / "tests" / "fixtures" / "sample.openlifter").read_text())
FIRST, SECOND = (entry["id"] for entry in SAMPLE["registration"]["entries"])

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not chromium_available(), reason="Debian's chromium is not installed (apt-get install chromium)"),
    pytest.mark.skipif(not REDUX.exists(), reason="the redux npm package is not installed (npm ci)"),
]

BIND = """async ([redux, reducer, binding, sample]) => {
  const { createStore, applyMiddleware } = await import(redux);
  const { openlifterReducer } = await import(reducer);
  const { withLive, liveMiddleware, LIVE_APPLY } = await import(binding);
  window.applied = 0;
  const counting = (store) => (next) => (action) => { if (action.type === LIVE_APPLY) window.applied += 1; return next(action); };
  window.store = createStore(withLive(openlifterReducer(sample)), sample, applyMiddleware(counting, liveMiddleware(client)));
}"""


async def bound_page(browser, server, location: str) -> LivePage:
    page = await LivePage.open(browser, f"http://127.0.0.1:{server.port}", BASE_URL, f"ws://127.0.0.1:{server.port}{BASE_URL}ws", location)
    page.modules = [await page.serve_module("redux.mjs", REDUX), await page.serve_module("openlifter_reducer.mjs", REDUCER)]
    return page


async def bind(page: LivePage) -> None:
    binding = f"http://127.0.0.1:{page.url.split('/')[2].split(':')[1]}{BASE_URL}static/js/live/redux.js"
    await page.js(BIND, [*page.modules, binding, SAMPLE])


async def dispatch(page: LivePage, action: dict) -> None:
    await page.js("(action) => store.dispatch(action)", action)


def test_two_bound_stores_send_narrow_keys_and_converge_through_live_apply(server_process):
    from playwright.async_api import async_playwright

    server = server_process("--base-url", BASE_URL)

    async def scenario(browser):
        director = await bound_page(browser, server, "Director")
        table = await bound_page(browser, server, "Platform 1")
        created = await director.create(PASSWORD, [("Director", 10), ("Platform 1", 5)])
        await director.edit("meet", SAMPLE["meet"])  # going live: the meet is uploaded once
        await director.edit("registration", SAMPLE["registration"])
        await director.flush()
        await table.join(created["meetId"], PASSWORD)
        await table.wait_until("client.head === 2")
        await bind(director)
        await bind(table)

        await dispatch(director, {"type": "SET_BODYWEIGHT", "entryId": FIRST, "kg": 83.2})
        await dispatch(table, {"type": "ENTER_ATTEMPT", "entryId": SECOND, "field": "benchKg", "attempt": 2, "weightKg": 210})
        await dispatch(table, {"type": "MARK_LIFT", "entryId": SECOND, "field": "benchStatus", "attempt": 1, "status": 1})
        await dispatch(table, {"type": "SET_FLIGHT", "flight": "B"})
        await director.flush()
        await table.flush()
        await dispatch(director, {"type": "NEW_REGISTRATION", "name": "Late Entry"})
        await director.flush()
        await table.wait_until("store.getState().registration.entries.length === 3")
        await dispatch(table, {"type": "DELETE_REGISTRATION", "entryId": FIRST})
        await table.flush()
        await director.wait_until("store.getState().registration.entries.length === 2")

        log = [json.loads(line) for line in (server.data_dir / "current-meets" / created["meetId"] / "updates.log").read_text().splitlines()]
        assert [(entry["locationName"], entry["updateKey"]) for entry in log[2:]] == [
            ("Director", "registration.entries[0].bodyweightKg"),
            ("Platform 1", "registration.entries[1].benchKg[1]"),
            ("Platform 1", "registration.entries[1].benchStatus[0]"),
            ("Platform 1", "live.lifting.d1p1"),
            ("Director", "registration.nextEntryId"),  # in the order of OpenLifter's registration keys
            ("Director", "registration.entries"),
            ("Director", f"registration.lookup.{SAMPLE['registration']['nextEntryId']}"),
            ("Platform 1", "registration.entries"),
            ("Platform 1", "registration.lookup"),
        ]
        await director.wait_until(f"client.head === {len(log)}")
        shared = "() => { const s = store.getState(); return { meet: s.meet, registration: s.registration, lifting: s.lifting }; }"
        mine, theirs = await director.js(shared), await table.js(shared)
        server_state = await director.canonical_state()
        assert mine["registration"] == theirs["registration"] == server_state["registration"]
        assert mine["meet"] == theirs["meet"] == server_state["meet"]
        assert [entry["name"] for entry in mine["registration"]["entries"]] == [SAMPLE["registration"]["entries"][1]["name"], "Late Entry"]
        assert theirs["registration"]["entries"][0]["benchKg"][1] == 210
        assert theirs["lifting"]["flight"] == "B" and server_state["live"]["lifting"]["d1p1"]["flight"] == "B"
        assert await table.js("() => window.applied") >= 2 and await director.js("() => window.applied") >= 2
        assert director.problems == table.problems == []

    async def main():
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            try:
                await scenario(browser)
            finally:
                await browser.close()

    asyncio.run(main())
