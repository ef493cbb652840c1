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
    """Run ``scenario(browser, proxies)``; ``proxies(port)`` starts a CuttableProxy to that
    port, closed at the end."""
    from playwright.async_api import async_playwright

    async def main():
        started: list[CuttableProxy] = []

        async def proxies(port: int) -> CuttableProxy:
            started.append(await CuttableProxy(port).start())
            return started[-1]

        async with async_playwright() as playwright:
            browser = await launch(playwright)
            try:
                await scenario(browser, proxies)
            finally:
                await browser.close()
                for proxy in started:
                    await proxy.close()

    asyncio.run(main())


def test_two_locations_converge_to_the_server_state_and_relays_arrive_within_a_second(server_process):
    server = server_process("--base-url", BASE_URL)

    async def scenario(browser, proxies):
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


def lifter(entry_id: int, name: str, bodyweight: float) -> dict:
    return {"id": entry_id, "name": name, "bodyweightKg": bodyweight, "squatKg": [0, 0, 0, 0, 0]}


def test_really_offline_edits_merge_by_priority_and_survive_a_reload(server_process):
    server = server_process("--base-url", BASE_URL)

    async def scenario(browser, proxies):
        director_path = await proxies(server.port)
        platform_path = await proxies(server.port)
        director, platform, meet_id, key = await two_pages(
            browser, server, f"ws://127.0.0.1:{director_path.port}{BASE_URL}ws", f"ws://127.0.0.1:{platform_path.port}{BASE_URL}ws")
        await director.edit("registration.entries", [lifter(1, "Ann", 60), lifter(2, "Bea", 70)])
        await director.flush()
        await platform.wait_until("client.head === 1")

        # The platform table loses its network; its edits wait, also across a reload.
        await platform_path.cut()
        await platform.wait_until("client.status === 'offline'")
        await director.edit("meet.name", "Director's name")  # the platform will lose this one
        await director.flush()
        await platform.edit("meet.name", "Platform's name")
        await platform.edit("registration.entries[1].bodyweightKg", 71.3)  # nobody else touches these
        await platform.edit("meet.city", "Bergen")
        await platform.reload()
        await platform.resume(meet_id)
        assert await platform.status() == "offline"
        assert await platform.js("() => client.pendingCount") == 3
        shown = await platform.state()
        assert shown["meet"] == {"name": "Platform's name", "city": "Bergen"}
        assert shown["registration"]["entries"][1]["bodyweightKg"] == 71.3

        # The director goes offline too and overrules an edit the platform makes meanwhile.
        await director_path.cut()
        await director.wait_until("client.status === 'offline'")
        await director.edit("lifting.flight", "C")
        await platform_path.restore()
        await platform.flush()
        await platform.edit("lifting.flight", "B")
        await platform.flush()
        await director_path.restore()
        await director.flush()
        await platform.wait_until("client.state.lifting && client.state.lifting.flight === 'C'")

        served = api_state(server, meet_id, key)
        for page in (director, platform):
            await page.wait_until(f"client.head === {served['seq']}")
            assert await page.state() == served["state"] == await page.canonical_state()
            assert await page.js("() => client.pendingCount") == 0
        assert served["state"]["meet"] == {"name": "Director's name", "city": "Bergen"}
        assert served["state"]["registration"]["entries"][1]["bodyweightKg"] == 71.3
        assert served["state"]["lifting"]["flight"] == "C"

        rejected = await platform.events("rejected")
        assert [(r["key"], r["value"], r["serverValue"], r["conflict"]) for r in rejected] == [
            ("meet.name", "Platform's name", "Director's name", True)]
        assert await director.events("rejected") == []

        log = read_log(server, meet_id)
        sent = [(entry["locationName"], entry["localSeqNum"]) for entry in log]
        assert len(sent) == len(set(sent)), "an edit was applied twice"
        assert [entry["serverSeqNum"] for entry in log] == list(range(1, len(log) + 1))
        assert director.problems == [] and platform.problems == [], "the pages logged errors"

    run_in_browser(scenario)


def test_a_server_restored_from_an_older_copy_recovers_its_log_from_the_pages(server_process, tmp_path):
    server = server_process("--base-url", BASE_URL)

    async def scenario(browser, proxies):
        path = await proxies(server.port)
        ws = f"ws://127.0.0.1:{path.port}{BASE_URL}ws"
        director, platform, meet_id, key = await two_pages(browser, server, ws, ws)
        for i in range(4):
            await director.edit(f"registration.entries[{i}]", lifter(i + 1, f"Lifter {i}", 60 + i))
        await director.flush()
        await platform.wait_until("client.head === 4")
        backup = tmp_path / "older-copy"
        shutil.copytree(server.data_dir, backup)
        for i in range(4):
            await platform.edit(f"registration.entries[{i}].bodyweightKg", 70.5 + i)
            await director.edit(f"registration.entries[{i}].name", f"Renamed {i}")
        await platform.flush()
        await director.flush()
        before = read_log(server, meet_id)
        for page in (director, platform):
            await page.wait_until(f"client.head === {len(before)}")

        server.kill()
        shutil.rmtree(server.data_dir)
        shutil.copytree(backup, server.data_dir)
        restarted = server_process("--base-url", BASE_URL, data_dir=server.data_dir)
        path.target_port = restarted.port  # the pages' address stays the same

        after = []
        for _ in range(200):
            after = read_log(restarted, meet_id)
            if len(after) == len(before):
                break
            await asyncio.sleep(0.1)
        fields = ("serverSeqNum", "updateKey", "updateValue")
        assert [tuple(e[f] for f in fields) for e in after] == [tuple(e[f] for f in fields) for e in before]
        # Recovery trust (SPEC 2): an entry keeps its location unless the page that answered
        # ranks lower; then it is stored under the answering page's location, never raised.
        priority = dict(ENDPOINTS)
        for old, new in zip(before, after):
            assert new["locationName"] == old["locationName"] or priority[new["locationName"]] < priority[old["locationName"]]
        served = api_state(restarted, meet_id, key)
        for page in (director, platform):
            await page.wait_until(f"client.status === 'online' && client.head === {len(before)}", 10)
            assert await page.state() == served["state"]
        assert director.problems == [] and platform.problems == []

    run_in_browser(scenario)


def test_an_offline_edit_follows_its_lifter_when_an_earlier_lifter_is_deleted(server_process):
    server = server_process("--base-url", BASE_URL)

    async def scenario(browser, proxies):
        origin = f"http://127.0.0.1:{server.port}"
        scoring_path = await proxies(server.port)
        weigh_in = await LivePage.open(browser, origin, BASE_URL, f"ws://127.0.0.1:{server.port}{BASE_URL}ws", "Weigh-in")
        scoring = await LivePage.open(browser, origin, BASE_URL, f"ws://127.0.0.1:{scoring_path.port}{BASE_URL}ws", "Scoring")
        created = await weigh_in.create(PASSWORD, [("Weigh-in", 5), ("Scoring", 5)])
        await scoring.join(created["meetId"], PASSWORD)
        a, b, c, d = lifter(11, "A", 60), lifter(12, "B", 70), lifter(13, "C", 80), lifter(14, "D", 90)
        await weigh_in.edit("registration.entries", [a, b, c, d])
        await weigh_in.flush()
        await scoring.wait_until("client.head === 1")

        await scoring_path.cut()
        await scoring.wait_until("client.status === 'offline'")
        await scoring.edit("registration.entries[2].bodyweightKg", 82.4)  # C, by its index today
        await weigh_in.edit("registration.entries", [a, c, d])  # B deleted
        await weigh_in.flush()
        await scoring_path.restore()
        await scoring.flush()

        served = api_state(server, created["meetId"], created["displayKey"])["state"]
        by_name = {entry["name"]: entry for entry in served["registration"]["entries"]}
        assert by_name["C"]["bodyweightKg"] == 82.4
        assert by_name["D"]["bodyweightKg"] == 90
        assert [entry["name"] for entry in served["registration"]["entries"]] == ["A", "C", "D"]
        await weigh_in.wait_until("client.state.registration.entries[1].bodyweightKg === 82.4")
        assert await weigh_in.state() == await scoring.state() == served
        assert await scoring.events("rejected") == []

    run_in_browser(scenario)


def test_an_edit_of_a_lifter_deleted_meanwhile_is_dropped_with_a_rejected_event(server_process):
    server = server_process("--base-url", BASE_URL)

    async def scenario(browser, proxies):
        path = await proxies(server.port)
        director, platform, meet_id, key = await two_pages(browser, server, platform_url=f"ws://127.0.0.1:{path.port}{BASE_URL}ws")
        await director.edit("registration.entries", [lifter(1, "A", 60), lifter(2, "B", 70)])
        await director.flush()
        await platform.wait_until("client.head === 1")
        await path.cut()
        await platform.wait_until("client.status === 'offline'")
        await platform.edit("registration.entries[1].bodyweightKg", 71)
        await director.edit("registration.entries", [lifter(1, "A", 60)])
        await director.flush()
        await path.restore()
        await platform.flush()
        [rejected] = await platform.events("rejected")
        assert rejected["key"] == "registration.entries[1].bodyweightKg" and rejected["value"] == 71
        assert "deleted" in rejected["reason"]
        assert await platform.state() == api_state(server, meet_id, key)["state"] == await director.state()
        assert len(read_log(server, meet_id)) == 2

    run_in_browser(scenario)


def test_a_bad_edit_throws_at_once_and_queues_nothing(server_process):
    server = server_process("--base-url", BASE_URL)

    async def scenario(browser, proxies):
        director, platform, meet_id, key = await two_pages(browser, server)
        outcome = await director.js("""() => {
            const tries = [["registration..entries", 1], ["entries[01]", 1], ["a[100001]", 1], ["x".repeat(513), 1],
                           ["meet.name", NaN], ["meet.name", undefined], ["meet.name", () => 1], ["meet.date", new Date()]];
            return tries.map(([key, value]) => {
                try { client.edit(key, value); return "accepted"; } catch (error) { return error.name + ": " + error.message; }
            }).concat([client.pendingCount, client.head, JSON.stringify(client.state)]);
        }""")
        *errors, pending, head, shown = outcome
        assert all(error.startswith("InvalidEdit: ") for error in errors), errors
        assert "maxKeyIndex" in errors[2] and "maxKeyLength" in errors[3]
        assert (pending, head, shown) == (0, 0, "{}")
        await director.edit("meet.name", "Still fine")
        await director.flush()
        assert [entry["updateKey"] for entry in read_log(server, meet_id)] == ["meet.name"]

    run_in_browser(scenario)


def test_a_server_frame_the_client_does_not_know_is_logged_and_ignored(server_process):
    server = server_process("--base-url", BASE_URL)

    async def scenario(browser, proxies):
        path = await proxies(server.port)
        director, platform, meet_id, key = await two_pages(browser, server, platform_url=f"ws://127.0.0.1:{path.port}{BASE_URL}ws")
        await director.edit("meet.name", "Before")
        await platform.wait_until("client.head === 1")
        assert path.inject_text_frame(json.dumps({"msgType": "SCOREBOARD_DANCE", "updatesRelayed": [
            {"updateKey": "meet.name", "updateValue": "forged", "serverSeqNum": 2, "locationName": "X"}]})) == 1
        assert path.inject_text_frame("not json at all") == 1
        await platform.wait_until("document.title && window.events.status.length >= 0")
        await director.edit("meet.city", "After")
        await platform.wait_until("client.head === 2")
        assert (await platform.state())["meet"] == {"name": "Before", "city": "After"}
        assert await platform.status() == "online" and platform.problems == []
        assert any("SCOREBOARD_DANCE" in warning for warning in platform.warnings)
        assert any("not JSON" in warning for warning in platform.warnings)

    run_in_browser(scenario)


def test_a_second_tab_at_the_same_meet_and_location_is_refused(server_process):
    server = server_process("--base-url", BASE_URL)

    async def scenario(browser, proxies):
        director, platform, meet_id, key = await two_pages(browser, server)
        second = await platform.another_tab()
        refused = await second.js(
            "(meetId) => client.resume(meetId).then(() => 'resumed', (error) => error.message)", meet_id)
        assert "already open" in refused
        assert await second.js("() => client.pendingCount") == 0
        await platform.edit("meet.name", "Only one tab writes")
        await platform.flush()

    run_in_browser(scenario)


def test_the_browser_online_event_reconnects_at_once_after_a_long_backoff(server_process):
    server = server_process("--base-url", BASE_URL)

    async def scenario(browser, proxies):
        path = await proxies(server.port)
        director, platform, meet_id, key = await two_pages(browser, server, platform_url=f"ws://127.0.0.1:{path.port}{BASE_URL}ws")
        await path.cut()
        await platform.wait_until("client.status === 'offline'")
        await platform.edit("meet.name", "Made offline")
        # Failed attempts push the next one further away; wait until it is over 3 s off.
        await platform.wait_until("client.retryAt !== null && client.retryAt - Date.now() > 3000", 30)
        await path.restore()
        started = time.monotonic()
        await platform.js("() => window.dispatchEvent(new Event('online'))")
        await platform.wait_until("client.status === 'online' && client.pendingCount === 0", 2.0)
        assert time.monotonic() - started < 2.0, "reconnected only when the backoff timer fired"
        await director.wait_until("client.state.meet && client.state.meet.name === 'Made offline'")

    run_in_browser(scenario)
