"""Referee lights (issue 12) in headless Chromium against a real server process: three
referees on phones decide, the lights show on the overlay, the scoreboard and the table at
once when the third is in, and the table marks the attempt from the majority with one touch.
Screenshots at 1920x1080 (displays) and at the phones' sizes in screenshots/."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlencode

import pytest

from console_browser import (
    director_live,
    SCREENSHOTS, ConsolePage, api, chromium_available, join, open_display, open_table, run_in_browser,
)
from support import BASE_URL

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not chromium_available(), reason="Debian's chromium is not installed (apt-get install chromium)"),
]
PHONES = {"left": (390, 844), "head": (412, 915), "right": (360, 780)}  # iPhone 12-15, Pixel 7, a small Android
HD = (1920, 1080)
LIGHTS = "(document.querySelector('[data-lights]') || {dataset: {}}).dataset"


async def referee(browser, origin: str, meet_id: str, chair: str) -> ConsolePage:
    phone = await ConsolePage.open(browser, origin, f"referee {chair}", size=PHONES[chair])
    location = f"Platform 1 referee {chair}"  # as going live lists them for a two-platform meet
    await join(phone, meet_id, location)
    await phone.goto(f"console/meets/{meet_id}/referee?{urlencode({'location': location, 'day': 1, 'platform': 1})}")
    await phone.page.click(f"[data-pick={chair}]")
    await phone.wait_until("document.body.dataset.refereeJudging !== ''", 10)
    return phone


async def decide(phone: ConsolePage, decision: str, card: str | None = None, cards: bool = False) -> None:
    """A tap on White or Red (or, with the IPF cards, White or a card's colour)."""
    visible = "[data-ref-cards]" if card or cards else "[data-ref-buttons]"
    selector = f"{visible} [data-decide={decision}]" + (f"[data-card={card}]" if card else "")
    await phone.page.click(selector)
    await phone.wait_until(f"document.body.dataset.refereeDecision === '{decision}'")


def test_three_referees_decide_and_the_lights_show_everywhere_and_the_table_marks_the_majority(server_process, tmp_path):
    server = server_process("--base-url", BASE_URL)
    origin = f"http://127.0.0.1:{server.port}"

    async def scenario(browser) -> None:
        director, meet_id, key = await director_live(browser, origin, tmp_path)
        table = await open_table(browser, origin, meet_id, 1)
        phones = {chair: await referee(browser, origin, meet_id, chair) for chair in PHONES}
        overlay = await open_display(browser, origin, meet_id, key, "overlay", parts="lights,clock,lowerthird", preview="1")
        scoreboard = await open_display(browser, origin, meet_id, key, "scoreboard")
        judged = await table.dataset("tableCurrent")
        assert all([await p.dataset("refereeJudging") for p in phones.values()]) and len({await p.dataset("refereeJudging") for p in phones.values()}) == 1

        await decide(phones["left"], "good")
        await decide(phones["right"], "bad")
        await overlay.wait_until("document.querySelectorAll('[data-lights] .light.is-decided').length === 2", 5)
        assert await overlay.js(f"{LIGHTS}.complete") == "0"  # nothing shows before the third
        assert await table.dataset("tableMajority") == ""
        assert await table.js("document.querySelector('[data-mark-lights]').disabled") is True

        third = time.monotonic()
        await phones["head"].page.click("[data-ref-buttons] [data-decide=good]")
        await overlay.wait_until(f"{LIGHTS}.complete === '1'", 5)
        assert time.monotonic() - third < 1.0, "the overlay showed the lights more than a second after the third decision"
        await scoreboard.wait_until(f"{LIGHTS}.complete === '1'", 2)
        await table.wait_until("document.body.dataset.tableMajority === 'good'", 2)
        shown = await overlay.js("[...document.querySelectorAll('[data-lights] .light')].map(l => l.dataset.decision)")
        assert shown == ["good", "good", "bad"]  # left, head, right
        assert await overlay.js(f"{LIGHTS}.majority") == "good"

        SCREENSHOTS.mkdir(exist_ok=True)
        await overlay.page.screenshot(path=str(SCREENSHOTS / "overlay-lights-1920x1080.png"), animations="disabled")
        await scoreboard.page.screenshot(path=str(SCREENSHOTS / "scoreboard-lights-1920x1080.png"), animations="disabled")
        for chair, phone in phones.items():
            await phone.page.screenshot(path=str(SCREENSHOTS / f"console-referee-{chair}-{PHONES[chair][0]}x{PHONES[chair][1]}.png"))

        await table.wait_until("!document.querySelector('[data-mark-lights]').disabled")
        await table.page.click("[data-mark-lights]")
        await table.wait_until(f"window.__console.state.registration.entries.find(e => e.id === {judged}).squatStatus[0] === 1", 5)
        for _ in range(50):  # the mark is on the table at once, on the server after its ACK
            entry = next(e for e in api(server.port, meet_id, key, "state")["state"]["registration"]["entries"] if e["id"] == int(judged))
            if entry["squatStatus"][0] == 1:
                break
            await asyncio.sleep(0.1)
        assert entry["squatStatus"][0] == 1
        # The referees move on to the next lifter; their old lights leave the screens at the first new decision.
        await phones["left"].wait_until(f"document.body.dataset.refereeJudging !== '' && !document.body.dataset.refereeJudging.startsWith('{judged}/')", 5)
        await decide(phones["left"], "bad")
        await overlay.wait_until(f"{LIGHTS}.complete === '0'", 5)

        for page in (table, overlay, scoreboard, *phones.values()):
            assert page.problems == []

    run_in_browser(scenario)


def test_with_ipf_cards_a_no_lift_shows_the_card_colour(server_process, tmp_path):
    server = server_process("--base-url", BASE_URL)
    origin = f"http://127.0.0.1:{server.port}"

    async def scenario(browser) -> None:
        director, meet_id, key = await director_live(browser, origin, tmp_path)
        table = await open_table(browser, origin, meet_id, 1)
        phones = {chair: await referee(browser, origin, meet_id, chair) for chair in PHONES}
        overlay = await open_display(browser, origin, meet_id, key, "overlay", parts="lights", preview="1")
        for phone in phones.values():
            await phone.page.check("[data-ref-use-cards]")
        await decide(phones["left"], "bad", "blue")
        await decide(phones["head"], "bad", "red")
        await decide(phones["right"], "good", cards=True)
        await overlay.wait_until(f"{LIGHTS}.complete === '1'", 5)
        cards = await overlay.js("[...document.querySelectorAll('[data-lights] .light')].map(l => (l.querySelector('[data-card]') || {dataset: {}}).dataset.card || '')")
        assert cards == ["blue", "red", ""]
        await table.wait_until("document.body.dataset.tableMajority === 'bad'", 2)
        await overlay.page.screenshot(path=str(SCREENSHOTS / "overlay-lights-cards-1920x1080.png"), animations="disabled")
        await phones["left"].page.screenshot(path=str(SCREENSHOTS / "console-referee-cards-390x844.png"))
        for page in (table, overlay, *phones.values()):
            assert page.problems == []

    run_in_browser(scenario)
