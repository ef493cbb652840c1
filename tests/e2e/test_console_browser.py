"""The meet console (SPEC 7) in headless Chromium against a real server process.

A meet goes live from the sample file through the page, a weigh-in browser enters
bodyweights and openers, the scoring table runs a whole flight with Good lift / No lift
while an overlay follows every attempt; a table whose network is really cut keeps going
and catches up; two platforms run at once without a conflict; the download holds the
same meet and publishing stores OpenLifter's CSV; with the network cut, a table reloads
and runs on, and a page never opened loads in a new tab (the offline worker); a new deploy
reaches a page at its next reload. Every page is saved as a screenshot at
1280x800 and 1024x768 in screenshots/.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import shutil
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from console_browser import (
    director_live,
    SAMPLE, ConsolePage, TcpCut, api, chromium_available, go_live, join, open_table, run_in_browser, two_platform_meet,
)
import openlifter
from display_states import demo_state, national_state
from openlifter.rules.oplcsv import export_opl_csv
from support import BASE_URL

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not chromium_available(), reason="Debian's chromium is not installed (apt-get install chromium)"),
]
CURRENT_ON_OVERLAY = "(document.querySelector('[data-fragment=lowerthird] .lt') || {dataset: {}}).dataset.entry || ''"


def with_guest_dq_and_two_divisions(state: dict) -> None:
    """Henrik lifts as a guest, Zoë has missed all three squats, Magnus enters two divisions."""
    entries = {e["id"]: e for e in state["registration"]["entries"]}
    entries[5006]["guest"] = True
    entries[5005]["squatKg"], entries[5005]["squatStatus"] = [180, 180, 180, 0, 0], [-1, -1, -1, 0, 0]
    entries[5000]["divisions"] = ["Open", "Masters 1"]


def with_bench_and_deadlift_judged(state: dict) -> None:
    """As ``with_guest_dq_and_two_divisions``, and every bench and deadlift already judged:
    the table has only the squats left to run."""
    with_guest_dq_and_two_divisions(state)
    for entry in state["registration"]["entries"]:
        bench, deadlift = entry["benchKg"][0], entry["deadliftKg"][0]
        entry["benchKg"], entry["benchStatus"] = [bench, bench + 5, bench + 7.5, 0, 0], [1, 1, -1, 0, 0]
        entry["deadliftKg"], entry["deadliftStatus"] = [deadlift, deadlift + 10, deadlift + 15, 0, 0], [1, 1, 1, 0, 0]


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
    await table.wait_until("!document.querySelector('[data-good]').disabled")  # past the double-tap pause
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


async def run_attempt(table: ConsolePage, number: int) -> tuple[int, str, int, bool]:
    """Judge the current attempt (a no lift now and then; keys and buttons in turn) and,
    before the third, declare the lifter's next attempt in its cell."""
    good = number % 3 != 1
    entry, lift, attempt = await judge(table, good, by_keyboard=number % 2 == 0)
    if attempt < 3:
        state = await state_of(table)
        row = next(e for e in state["registration"]["entries"] if e["id"] == entry)
        field = {"S": "squatKg", "B": "benchKg", "D": "deadliftKg"}[lift]
        await declare(table, entry, lift, attempt + 1, row[field][attempt - 1] + (2.5 if good else 0))
    return entry, lift, attempt, good


async def choose_lift(table: ConsolePage, lift: str) -> None:
    if await table.dataset("tableLift") != lift:
        await table.page.select_option("[data-lift]", lift)
        await table.wait_until(f"document.body.dataset.tableLift === '{lift}'")


async def run_flight(table: ConsolePage, overlay: ConsolePage | None, lifts: str = "SBD") -> list[tuple[int, str, int, bool]]:
    """Run every attempt of the flight's lifts on the table; with an overlay, see it follow
    each one. Returns what was judged."""
    judged: list[tuple[int, str, int, bool]] = []
    for lift in lifts:
        await choose_lift(table, lift)
        while await table.dataset("tableCurrent"):
            judged.append(await run_attempt(table, len(judged)))
            if overlay is not None:
                await overlay_follows(overlay, table)
    return judged


async def table_standings(table: ConsolePage) -> dict[str, list[list[Any]]]:
    return await table.js("""Object.fromEntries([...document.querySelectorAll('.c-standing')].map(t => [t.dataset.category,
        [...t.querySelectorAll('tr[data-entry]')].map(r => [Number(r.dataset.entry), r.cells[0].textContent])]))""")


def api_standings(server, meet_id: str, key: str) -> dict[str, list[list[Any]]]:
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
        await director.page.set_input_files("input[name=file]", str(SAMPLE))
        await director.wait_until("document.querySelectorAll('.c-location').length >= 3")
        await director.shoot("go-live")
        meet_id, key = await go_live(director, SAMPLE)
        await director.shoot("go-live-done")

        weigh_in = await ConsolePage.open(browser, origin, "weigh-in", size=(412, 915))  # a phone
        await join(weigh_in, meet_id, "Weigh-in")
        await weigh_in.goto(f"console/meets/{meet_id}/weigh-in?location=Weigh-in")
        # The sample's Yavanna has already missed her opening squat: only her other openers change.
        weighed = {
            5027: {"bodyweightKg": 120.4, "benchKg0": 95, "deadliftKg0": 172.5},
            5028: {"bodyweightKg": 103.1, "squatKg0": 170, "benchKg0": 100, "deadliftKg0": 200},
        }
        for entry, fields in weighed.items():
            for name, value in fields.items():
                box = f"[data-entry='{entry}'] input[name={name}]"
                await weigh_in.page.fill(box, str(value))
                await weigh_in.page.press(box, "Enter")
        await weigh_in.wait_until("document.body.dataset.editsWaiting === '0'", 10)
        # Melkor (Mx) weighs 103.1: above the 102.4 class, so in the Mx +102.4 class.
        assert (await weigh_in.js("document.querySelector(\"[data-entry='5028'] [data-class]\").textContent")) == "102.4+ kg"
        await weigh_in.shoot_as_is("weigh-in-phone-412x915")
        await weigh_in.shoot("weigh-in")

        table = await open_table(browser, origin, meet_id, 1)
        await table.wait_until("window.__console.state.registration.entries.find(e => e.id === 5028).bodyweightKg === 103.1", 10)
        overlay = await open_overlay(browser, server, meet_id, key, day="1", platform="1")
        await overlay_follows(overlay, table)
        await table.shoot("table")

        judged = await run_flight(table, overlay)
        assert len(judged) == 2 * 3 * 3 - 1  # two lifters, three lifts, three attempts; one squat was judged before
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


async def rejected_count(page: ConsolePage) -> str:
    return await page.js("document.querySelector('[data-rejected]').textContent")


def without_live(state: dict) -> dict:
    return {k: v for k, v in state.items() if k != "live"}


def test_a_table_that_loses_its_network_keeps_running_the_flight_and_catches_up(server_process, tmp_path):
    server = server_process("--base-url", BASE_URL)
    origin = f"http://127.0.0.1:{server.port}"

    async def scenario(browser) -> None:
        director, meet_id, key = await director_live(browser, origin, tmp_path)
        wifi = await TcpCut(server.port).start()
        table = await open_table(browser, wifi.origin, meet_id, 1)
        overlay = await open_overlay(browser, server, meet_id, key, day="1", platform="1")
        await overlay_follows(overlay, table)
        judged = [await run_attempt(table, n) for n in range(2)]
        await overlay_follows(overlay, table)
        await table.wait_until("document.body.dataset.editsWaiting === '0'")

        await wifi.cut()
        await table.wait_until("document.body.dataset.connection === 'offline'", 10)
        seq_when_cut = api(server.port, meet_id, key, "state")["seq"]
        on_overlay = await overlay.js(CURRENT_ON_OVERLAY)
        for n in range(2, 8):
            before = await table.dataset("tableCurrent")
            judged.append(await run_attempt(table, n))
            assert await table.dataset("tableCurrent") != before  # the order moves on in the browser
        assert int(await table.dataset("editsWaiting")) >= 6
        await table.shoot("table-offline")
        assert api(server.port, meet_id, key, "state")["seq"] == seq_when_cut
        assert await overlay.js(CURRENT_ON_OVERLAY) == on_overlay

        await wifi.restore()
        await table.wait_until("document.body.dataset.connection === 'online' && document.body.dataset.editsWaiting === '0'", 20)
        await overlay_follows(overlay, table, timeout=5)
        served = api(server.port, meet_id, key, "state")
        assert served["state"] == await state_of(table)
        for entry, lift, attempt, good in judged:
            row = next(e for e in served["state"]["registration"]["entries"] if e["id"] == entry)
            assert row[{"S": "squatStatus", "B": "benchStatus", "D": "deadliftStatus"}[lift]][attempt - 1] == (1 if good else -1)
        assert await rejected_count(table) == "0"
        for page in (director, table, overlay):
            assert page.problems == []
        await wifi.cut()

    run_in_browser(scenario)


def test_two_platforms_run_at_once_without_a_conflict_and_each_overlay_follows_its_own(server_process, tmp_path):
    server = server_process("--base-url", BASE_URL)
    origin = f"http://127.0.0.1:{server.port}"

    async def scenario(browser) -> None:
        director, meet_id, key = await director_live(browser, origin, tmp_path)
        tables, overlays = [], []
        for platform in (1, 2):
            tables.append(await open_table(browser, origin, meet_id, platform, f"table {platform}"))
            overlays.append(await open_overlay(browser, server, meet_id, key, day="1", platform=str(platform)))
        # Platform 2 starts its bench while platform 1 finishes its squats.
        await choose_lift(tables[1], "B")
        done = await asyncio.gather(run_flight(tables[0], overlays[0], "S"), run_flight(tables[1], overlays[1], "B"))
        assert len(done[0]) > 10 and len(done[1]) >= 10
        for table in tables:
            await table.wait_until("document.body.dataset.editsWaiting === '0'", 10)
            assert await rejected_count(table) == "0"
        state = api(server.port, meet_id, key, "state")["state"]
        assert state["live"]["lifting"]["d1p1"]["lift"] == "S" and state["live"]["lifting"]["d1p2"]["lift"] == "B"
        lifting = {(v["day"], v["platform"]): v for v in api(server.port, meet_id, key, "lifting")["platforms"]}
        assert lifting[(1, 1)]["lift"] == "S" and lifting[(1, 2)]["lift"] == "B"
        assert lifting[(1, 1)]["flightComplete"] and lifting[(1, 2)]["flightComplete"]
        metrics = urllib.request.urlopen(f"{origin}{BASE_URL}metrics", timeout=5).read().decode()
        conflicts = [line for line in metrics.splitlines() if line.startswith("openlifter_conflicts") and not line.endswith(" 0.0")]
        assert conflicts == []
        for page in (director, *tables, *overlays):
            assert page.problems == []

    run_in_browser(scenario)


def test_the_download_holds_the_same_meet_and_publishing_stores_openlifters_csv(server_process, tmp_path):
    server = server_process("--base-url", BASE_URL)
    origin = f"http://127.0.0.1:{server.port}"

    async def scenario(browser) -> None:
        director = await ConsolePage.open(browser, origin, "director")
        meet_id, key = await go_live(director, two_platform_meet(tmp_path, with_bench_and_deadlift_judged))
        table = await open_table(browser, origin, meet_id, 1)
        await run_flight(table, None, "S")  # the whole flight runs in the first test: here what is left
        await table.wait_until("document.body.dataset.editsWaiting === '0'", 10)

        await director.goto(f"console/meets/{meet_id}/?location=Meet+director")
        served = api(server.port, meet_id, key, "state")
        await director.wait_until(f"window.__console.head === {served['seq']}", 10)
        async with director.page.expect_download() as download_info:
            await director.page.click("[data-download]")
        download = await download_info.value
        assert download.suggested_filename == "Nordic-Open-2025.openlifter"
        saved = json.loads(Path(await download.path()).read_text())
        assert "live" not in saved and "live" in served["state"]
        assert saved == without_live(served["state"])

        await director.page.click("[data-preview]")
        await director.wait_until("!!document.body.dataset.csvSeq", 10)
        await director.js("document.querySelector('[data-publish-form]').scrollIntoView()")
        await director.shoot("publish-preview")
        preview = await director.js("[...document.querySelectorAll('[data-csv-table] tr')].map(r => [...r.cells].map(c => c.textContent).join(','))")
        expected = export_opl_csv(served["state"])
        assert preview == [line for line in expected.split("\n") if line]
        await director.page.fill("[data-publish] input[name=email]", "director@example.org")
        await director.page.click("[data-publish] button[type=submit]")
        await director.wait_until("document.body.dataset.published === '1'", 10)
        stored = server.data_dir / "finished-meets" / meet_id
        assert (stored / "opl.csv").read_text() == expected
        assert (stored / "email.txt").read_text().strip() == "director@example.org"
        rows = list(csv.DictReader(io.StringIO(expected.split("\n\n")[2])))
        places = [(r["Name"], r["Division"], r["Place"]) for r in rows]
        assert ("Henrik Dahl", "Open", "G") in places and ("Zoë O'Neill & Co", "Open", "DQ") in places
        assert [d for name, d, _ in places if name == "Magnus Halvorsen"] == ["Masters 1", "Open"]
        assert sum(1 for _, _, place in places if place == "1") >= 3
        for page in (director, table):
            assert page.problems == []

    run_in_browser(scenario)


def test_a_national_meet_too_large_for_one_update_goes_live_one_lifter_an_update(server_process, tmp_path):
    server = server_process("--base-url", BASE_URL)
    origin = f"http://127.0.0.1:{server.port}"
    state = national_state(2500)  # its registration is 1.4 MB: past max_value_bytes (1 MiB)
    state["_persist"] = {"version": -1, "rehydrated": True}
    path = tmp_path / "Nationals.openlifter"
    path.write_text(json.dumps(state))

    async def scenario(browser) -> None:
        director = await ConsolePage.open(browser, origin, "director")
        meet_id, key = await go_live(director, path)
        served = api(server.port, meet_id, key, "state")["state"]
        assert served["registration"] == state["registration"] and served["meet"] == state["meet"]

    run_in_browser(scenario)


def test_every_console_page_has_a_screenshot_at_laptop_and_tablet_size(server_process, tmp_path):
    server = server_process("--base-url", BASE_URL)
    origin = f"http://127.0.0.1:{server.port}"

    async def scenario(browser) -> None:
        director, meet_id, key = await director_live(browser, origin, tmp_path)
        await director.goto("console/")
        await director.shoot("home")
        await director.goto(f"console/meets/{meet_id}/?location=Meet+director")
        await director.shoot("meet-director")
        await director.goto(f"console/meets/{meet_id}/weigh-in?location=Meet+director&platform=2")
        await director.shoot("weigh-in-platform-2")
        await director.goto(f"console/meets/{meet_id}/table?location=Meet+director&day=1&platform=1")
        await director.page.click("tr[data-entry='5000'] button[data-cell='S3']")
        await director.shoot("table-attempt-dialog")
        visitor = await ConsolePage.open(browser, origin, "visitor")
        await visitor.goto(f"console/join?meet={meet_id}")
        assert await visitor.js("document.querySelector('[data-known]').hidden")
        await visitor.shoot("join")
        await director.goto(f"console/join?meet={meet_id}")
        assert await director.js("document.querySelector('[data-known-list] a').textContent") == "Open as Meet director"
        for page in (director, visitor):
            assert page.problems == []
            for width in (1280, 1024):
                await page.page.set_viewport_size({"width": width, "height": 700})
                assert await page.js("document.documentElement.scrollWidth <= window.innerWidth")

    run_in_browser(scenario)


def test_an_edit_the_server_refuses_is_shown_with_the_servers_value(server_process, tmp_path):
    server = server_process("--base-url", BASE_URL)
    origin = f"http://127.0.0.1:{server.port}"

    async def scenario(browser) -> None:
        director, meet_id, key = await director_live(browser, origin, tmp_path)
        wifi = await TcpCut(server.port).start()
        weigh_in = await ConsolePage.open(browser, wifi.origin, "weigh-in")
        await join(weigh_in, meet_id, "Weigh-in")
        await weigh_in.goto(f"console/meets/{meet_id}/weigh-in?location=Weigh-in")
        await wifi.cut()
        await weigh_in.wait_until("document.body.dataset.connection === 'offline'", 10)
        field = "[data-entry='5000'] input[name=bodyweightKg]"
        await weigh_in.page.fill(field, "90.5")
        await weigh_in.page.press(field, "Enter")
        assert await weigh_in.dataset("editsWaiting") == "1"

        # Meanwhile the director (priority 10 against the weigh-in's 5) weighs the same lifter.
        await director.goto(f"console/meets/{meet_id}/weigh-in?location=Meet+director")
        await director.page.fill(field, "92.3")
        await director.page.press(field, "Enter")
        await director.wait_until("document.body.dataset.editsWaiting === '0'")

        await wifi.restore()
        await weigh_in.wait_until("document.querySelector('[data-rejected]').textContent === '1'", 20)
        assert await weigh_in.js("!document.querySelector('#rejections').hidden")
        item = await weigh_in.js("document.querySelector('[data-rejections] li').textContent")
        assert "conflict" in item and "Magnus Halvorsen · bodyweight" in item and "registration.entries[0].bodyweightKg" in item and "90.5" in item and "92.3" in item
        await weigh_in.wait_until(f"document.querySelector({json.dumps(field)}).value === '92.3'")
        await weigh_in.shoot("weigh-in-rejected-edit")
        state = api(server.port, meet_id, key, "state")["state"]
        assert state["registration"]["entries"][0]["bodyweightKg"] == 92.3
        assert director.problems == [] and weigh_in.problems == []
        await wifi.cut()

    run_in_browser(scenario)


def test_a_judged_attempt_is_corrected_from_its_cell_and_the_displays_follow(server_process, tmp_path):
    server = server_process("--base-url", BASE_URL)
    origin = f"http://127.0.0.1:{server.port}"

    async def scenario(browser) -> None:
        director, meet_id, key = await director_live(browser, origin, tmp_path)
        table = await open_table(browser, origin, meet_id, 1)
        overlay = await open_overlay(browser, server, meet_id, key, day="1", platform="1")
        # Pieter (5002) failed his opener; the referees' decision is overturned: a good lift.
        await table.page.click("tr[data-entry='5002'] button[data-cell='S1']")
        await table.page.click("[data-attempt-form] button[value=good]")
        await table.wait_until("window.__console.state.registration.entries.find(e => e.id === 5002).squatStatus[0] === 1")
        assert await table.js("document.querySelector(\"tr[data-entry='5002'] button[data-cell='S1']\").classList.contains('is-good')")
        await table.wait_until("document.body.dataset.editsWaiting === '0'")
        served = api(server.port, meet_id, key, "lifting")
        platform1 = next(p for p in served["platforms"] if p["platform"] == 1)
        pieter = next(r for r in platform1["order"] if r["id"] == 5002)
        assert pieter["attempts"]["S"][0]["result"] == "good"
        await overlay_follows(overlay, table)
        assert table.problems == [] and overlay.problems == []

    run_in_browser(scenario)


def test_a_double_tap_judges_one_attempt_not_two(server_process, tmp_path):
    server = server_process("--base-url", BASE_URL)
    origin = f"http://127.0.0.1:{server.port}"

    async def scenario(browser) -> None:
        director, meet_id, key = await director_live(browser, origin, tmp_path)
        table = await open_table(browser, origin, meet_id, 1)
        first = int(await table.dataset("tableCurrent"))
        # The same decision three times within a moment (key, key, button), dispatched in
        # one go: a loaded machine cannot spread them past the page's pause between judgements.
        await table.js(
            "for (const key of ['g', 'g']) document.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));"
            " document.querySelector('[data-good]').click();"
        )
        await table.wait_until("document.body.dataset.editsWaiting === '0'")
        await asyncio.sleep(0.5)
        state = await state_of(table)
        before = {e["id"]: e["squatStatus"] for e in demo_state()["registration"]["entries"]}
        judged = [e["id"] for e in state["registration"]["entries"] if e["squatStatus"] != before[e["id"]]]
        assert judged == [first]
        assert table.problems == []

    run_in_browser(scenario)


def test_choosing_a_lifter_and_attempt_by_hand_moves_the_table_and_its_overlay(server_process, tmp_path):
    server = server_process("--base-url", BASE_URL)
    origin = f"http://127.0.0.1:{server.port}"

    async def scenario(browser) -> None:
        director, meet_id, key = await director_live(browser, origin, tmp_path)
        table = await open_table(browser, origin, meet_id, 1)
        overlay = await open_overlay(browser, server, meet_id, key, day="1", platform="1")
        await table.page.select_option("[data-lifter]", "5000")  # Magnus, out of order
        await table.wait_until("document.body.dataset.tableCurrent === '5000'")
        await overlay_follows(overlay, table)
        await table.page.select_option("[data-attempt]", "2")  # his second attempt, 252.5
        await table.wait_until("document.body.dataset.tableAttempt === '2' && document.body.dataset.tableCurrent === '5000'")
        await overlay.wait_until("document.querySelector('.lt-weight').textContent.includes('252.5')")
        entry, lift, attempt = await judge(table, True, by_keyboard=True)
        assert (entry, lift, attempt) == (5000, "S", 2)
        # A decision clears both overrides (OpenLifter's MARK_LIFT): the order takes over again.
        await table.wait_until("window.__console.state.live.lifting.d1p1.overrideEntryId === null")
        assert await table.dataset("tableCurrent") != "5000"
        await overlay_follows(overlay, table)
        assert table.problems == [] and overlay.problems == []

    run_in_browser(scenario)


# ---- offline loads: the console's offline worker (docs/console.md, "Offline") ----

WORKER_IN_CHARGE = "document.body.dataset.offlineWorker === 'ready' && !!navigator.serviceWorker.controller"


async def reload(page: ConsolePage) -> None:
    await page.page.reload()
    await page.wait_until("document.body.dataset.ready === '1' || !!document.querySelector('.c-error:not([hidden])')", 15)


def test_a_table_reloaded_with_no_network_resumes_its_meet_runs_attempts_and_catches_up(server_process, tmp_path):
    server = server_process("--base-url", BASE_URL)
    origin = f"http://127.0.0.1:{server.port}"

    async def scenario(browser) -> None:
        director, meet_id, key = await director_live(browser, origin, tmp_path)
        wifi = await TcpCut(server.port).start()
        table = await open_table(browser, wifi.origin, meet_id, 1)
        await table.wait_until(WORKER_IN_CHARGE, 15)
        judged = [await run_attempt(table, 0)]
        await table.wait_until("document.body.dataset.editsWaiting === '0'")

        await wifi.cut()
        await reload(table)
        assert await table.dataset("ready") == "1"
        assert await table.dataset("meet") == meet_id
        assert await table.dataset("connection") == "offline"
        assert await table.js("window.__console.head") == api(server.port, meet_id, key, "state")["seq"]
        for n in range(1, 5):
            before = await table.dataset("tableCurrent")
            judged.append(await run_attempt(table, n))
            assert await table.dataset("tableCurrent") != before  # the order moves on, offline
        assert int(await table.dataset("editsWaiting")) >= 4
        seq_offline = api(server.port, meet_id, key, "state")["seq"]

        await wifi.restore()
        await table.wait_until("document.body.dataset.connection === 'online' && document.body.dataset.editsWaiting === '0'", 20)
        served = api(server.port, meet_id, key, "state")
        assert served["seq"] > seq_offline
        assert served["state"] == await state_of(table)
        for entry, lift, attempt, good in judged:
            row = next(e for e in served["state"]["registration"]["entries"] if e["id"] == entry)
            assert row[{"S": "squatStatus", "B": "benchStatus", "D": "deadliftStatus"}[lift]][attempt - 1] == (1 if good else -1)
        assert table.problems == [] and director.problems == []
        await wifi.cut()

    run_in_browser(scenario)


def test_a_meet_page_never_opened_here_loads_offline_in_a_new_tab(server_process, tmp_path):
    server = server_process("--base-url", BASE_URL)
    origin = f"http://127.0.0.1:{server.port}"

    async def scenario(browser) -> None:
        director, meet_id, key = await director_live(browser, origin, tmp_path)
        wifi = await TcpCut(server.port).start()
        table = await open_table(browser, wifi.origin, meet_id, 1)
        await table.wait_until(WORKER_IN_CHARGE, 15)
        await wifi.cut()
        await table.page.close()  # one tab per meet and location (docs/js-client.md)
        weigh_in = ConsolePage(table.context, await table.context.new_page(), wifi.origin, "weigh-in tab")
        await weigh_in.goto(f"console/meets/{meet_id}/weigh-in?location=Platform+1")
        assert await weigh_in.dataset("ready") == "1"
        assert await weigh_in.js("document.querySelectorAll('[data-entry]').length") > 0
        assert (await weigh_in.js("document.title")).endswith(f"{meet_id[:3]} {meet_id[3:6]} {meet_id[6:]}")
        assert await weigh_in.dataset("connection") == "offline"
        # Nothing of the meet and no secret is in the worker's cache; the JSON API is not served from it.
        saved = await weigh_in.js("caches.keys().then(n => caches.open(n[0])).then(c => c.keys()).then(r => r.map(q => q.url))")
        prefix = f"{wifi.origin}{BASE_URL}"
        assert saved and all(url.startswith((f"{prefix}static/", f"{prefix}console/shell/")) for url in saved)
        assert not any("key=" in url or "token" in url for url in saved)
        api_offline = await weigh_in.js(f"fetch('{BASE_URL}meets/{meet_id}/api/state?key={key}').then(() => 'served', () => 'failed')")
        assert api_offline == "failed"
        assert weigh_in.problems == [] and table.problems == []
        await wifi.close()

    run_in_browser(scenario)


def test_a_new_deploy_reaches_an_online_page_at_its_next_reload_and_then_loads_offline(server_process, tmp_path):
    # A release of its own (the package with its static files), so the test can change one.
    release = tmp_path / "release"
    shutil.copytree(Path(openlifter.__file__).parent, release / "openlifter", ignore=shutil.ignore_patterns("__pycache__"))
    data = tmp_path / "data"
    first = server_process("--base-url", BASE_URL, data_dir=data, cwd=release)

    async def scenario(browser) -> None:
        director = await ConsolePage.open(browser, f"http://127.0.0.1:{first.port}", "director")
        meet_id, key = await go_live(director, two_platform_meet(tmp_path))
        await director.close()
        wifi = await TcpCut(first.port).start()
        table = await open_table(browser, wifi.origin, meet_id, 1)
        await table.wait_until(WORKER_IN_CHARGE, 15)
        old_caches = await table.js("caches.keys()")
        assert len(old_caches) == 1 and await table.dataset("deploy") == ""

        first.terminate()
        common = release / "openlifter" / "static" / "js" / "console" / "common.js"  # imported by the page's script, no ?v=
        common.write_text(common.read_text() + '\ndocument.body.dataset.deploy = "2";\n')
        second = server_process("--base-url", BASE_URL, data_dir=data, cwd=release)
        wifi.target_port = second.port

        await reload(table)
        assert await table.dataset("deploy") == "2"
        await table.wait_until(f"caches.keys().then(k => k.length === 1 && k[0] !== {json.dumps(old_caches[0])})", 15)
        await table.wait_until(WORKER_IN_CHARGE, 15)

        await wifi.cut()
        await reload(table)
        assert await table.dataset("ready") == "1" and await table.dataset("deploy") == "2"
        assert await table.dataset("connection") == "offline"
        assert table.problems == []
        await wifi.close()

    run_in_browser(scenario)


def test_a_table_reloaded_on_a_network_that_never_answers_loads_its_saved_copy_in_time(server_process, tmp_path):
    server = server_process("--base-url", BASE_URL, "--console-network-timeout-seconds", "1")
    origin = f"http://127.0.0.1:{server.port}"

    async def scenario(browser) -> None:
        director, meet_id, key = await director_live(browser, origin, tmp_path)
        wifi = await TcpCut(server.port).start()
        table = await open_table(browser, wifi.origin, meet_id, 1)
        await table.wait_until(WORKER_IN_CHARGE, 15)
        current = await table.dataset("tableCurrent")

        await wifi.hang()
        loop = asyncio.get_running_loop()
        started = loop.time()
        await table.page.reload(wait_until="commit")
        await table.wait_until("document.body && document.body.dataset.ready === '1'", 15)
        # The page waited one timeout (1 s) for the server, not one per file it loads.
        assert loop.time() - started < 8
        assert await table.dataset("tableCurrent") == current
        await wifi.close()

    run_in_browser(scenario)
