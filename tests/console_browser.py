"""The meet console in headless Chromium: page helpers, a TCP proxy the test cuts, and
screenshots at tablet and laptop sizes.

Console pages are loaded *through* the proxy (HTTP and the WebSocket alike), so cutting
it takes a table really offline, as a venue's Wi-Fi dropping would; the page, already
loaded, keeps running on the JavaScript client.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from live_browser import CuttableProxy, chromium_available, launch  # noqa: F401  (one way to start Chromium)
from display_states import demo_state
from support import BASE_URL, PASSWORD

SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
SAMPLE = Path(__file__).resolve().parent / "fixtures" / "sample.openlifter"
SIZES = {"1280x800": (1280, 800), "1024x768": (1024, 768)}


class TcpCut(CuttableProxy):
    """The client tests' cuttable proxy, carrying whole pages as well: console pages load
    through it (HTTP, then the WebSocket), so their origin is the proxy's and a cut takes
    the table really offline. Restored on the same port, the page keeps its origin (and
    its IndexedDB)."""

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _bytes(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Both ways, bytes as they come: HTTP requests and answers are not frames."""
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()

    _frames_to_page = _bytes
    _frames_from_page = _bytes

    hanging = False
    _held: set[asyncio.StreamWriter] = set()

    async def hang(self) -> None:
        """A network that takes connections and never answers (a Wi-Fi with no way out):
        unlike a cut, nothing fails; the page can only give up waiting."""
        await self.cut()
        self.hanging, self._held = True, set()
        await self.start()

    async def _serve(self, page_reader: asyncio.StreamReader, page_writer: asyncio.StreamWriter) -> None:
        if not self.hanging:
            return await super()._serve(page_reader, page_writer)
        self._held.add(page_writer)
        while await page_reader.read(65536):
            pass  # swallowed

    async def close(self) -> None:
        for writer in self._held:
            writer.transport.abort()
        await super().close()


class ConsolePage:
    """One browser (its own context: its own IndexedDB and localStorage) on console pages."""

    def __init__(self, context, page, origin: str, name: str) -> None:
        self.context = context
        self.page = page
        self.origin = origin
        self.name = name
        self.problems: list[str] = []
        page.on("pageerror", lambda error: self.problems.append(f"{name}: {error.stack or error}"))
        page.on("console", self._console)

    @classmethod
    async def open(cls, browser, origin: str, name: str, size: tuple[int, int] = SIZES["1280x800"]) -> "ConsolePage":
        context = await browser.new_context(viewport={"width": size[0], "height": size[1]}, accept_downloads=True)
        return cls(context, await context.new_page(), origin, name)

    def _console(self, message) -> None:
        text = message.text
        if message.type != "error":
            return
        if "WebSocket connection to" in text or "ERR_CONNECTION_REFUSED" in text or "Failed to load resource" in text:
            return  # Chromium's own lines while the network is cut
        self.problems.append(f"{self.name}: {text}")

    def url(self, path: str) -> str:
        return f"{self.origin}{BASE_URL}{path}"

    async def goto(self, path: str) -> None:
        await self.page.goto(self.url(path))
        await self.wait_until("document.body.dataset.ready === '1' || !!document.querySelector('.c-error:not([hidden])')", 10)

    async def js(self, expression: str, arg: Any = None) -> Any:
        return await self.page.evaluate(expression, arg)

    async def wait_until(self, expression: str, timeout: float = 5.0) -> None:
        """Poll ``expression`` (the pages' CSP forbids string evaluation in wait_for_function)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not await self.page.evaluate(expression):
            if loop.time() > deadline:
                error = await self.page.evaluate("(document.querySelector('[data-error]') || {}).textContent || ''")
                raise AssertionError(f"{self.name}: timed out waiting for {expression} (page says: {error!r})")
            await asyncio.sleep(0.03)

    async def dataset(self, name: str) -> str:
        """A data attribute of the page's body ("" when it is not set)."""
        return await self.js(f"document.body.dataset[{json.dumps(name)}] ?? ''")

    async def shoot(self, name: str) -> None:
        """The page at 1280x800 and at 1024x768 (a tablet at the scoring table)."""
        SCREENSHOTS.mkdir(exist_ok=True)
        for label, (width, height) in SIZES.items():
            await self.page.set_viewport_size({"width": width, "height": height})
            await asyncio.sleep(0.1)
            await self.page.screenshot(path=str(SCREENSHOTS / f"console-{name}-{label}.png"), animations="disabled")
        await self.page.set_viewport_size({"width": SIZES["1280x800"][0], "height": SIZES["1280x800"][1]})

    async def shoot_as_is(self, name: str) -> None:
        """The page at its own viewport (e.g. a phone)."""
        SCREENSHOTS.mkdir(exist_ok=True)
        await self.page.screenshot(path=str(SCREENSHOTS / f"console-{name}.png"), animations="disabled")

    async def close(self) -> None:
        await self.context.close()


async def go_live(director: ConsolePage, file: Path, password: str = PASSWORD) -> tuple[str, str]:
    """Go live through the page; returns (meet id, display key)."""
    await director.goto("console/go-live")
    await director.page.set_input_files("input[name=file]", str(file))
    await director.wait_until("document.querySelectorAll('.c-location').length >= 3")
    await director.page.fill("input[name=password]", password)
    await director.page.click("button[type=submit]")
    await director.wait_until("!!document.body.dataset.liveMeetId", 15)
    meet_id = await director.dataset("liveMeetId")
    display = await director.js("document.querySelector('[data-display-url]').value")
    return meet_id, display.split("key=", 1)[1]


async def director_live(browser, origin: str, tmp_path: Path) -> tuple[ConsolePage, str, str]:
    """A director page that went live with the two-platform meet: (page, meet id, display key)."""
    director = await ConsolePage.open(browser, origin, "director")
    meet_id, key = await go_live(director, two_platform_meet(tmp_path))
    return director, meet_id, key


async def join(page: ConsolePage, meet_id: str, location: str, password: str = PASSWORD) -> None:
    """Join through the page; it lands on the meet's page."""
    await page.goto(f"console/join?meet={meet_id}")
    await page.page.fill("input[name=password]", password)
    await page.page.fill("input[name=location]", location)
    await page.page.click("button[type=submit]")
    await page.page.wait_for_url(f"**/console/meets/{meet_id}/**", timeout=15000)
    await page.wait_until("document.body.dataset.ready === '1'", 10)


async def open_table(browser, origin: str, meet_id: str, platform: int, name: str = "table") -> ConsolePage:
    """A tablet that joins as "Platform N" and opens that platform's scoring table (day 1)."""
    table = await ConsolePage.open(browser, origin, name, size=SIZES["1024x768"])
    await join(table, meet_id, f"Platform {platform}")
    await table.goto(f"console/meets/{meet_id}/table?location=Platform+{platform}&day=1&platform={platform}")
    return table


def api(server_port: int, meet_id: str, key: str, what: str) -> dict:
    url = f"http://127.0.0.1:{server_port}{BASE_URL}meets/{meet_id}/api/{what}?key={key}"
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def two_platform_meet(tmp_path: Path, change=None) -> Path:
    """The demo meet (two platforms of day 1) as a saved OpenLifter file."""
    state = demo_state()
    if change is not None:
        change(state)
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


async def open_display(browser, origin: str, meet_id: str, key: str, page: str, **params: str) -> ConsolePage:
    """An overlay or the scoreboard of day 1, platform 1 (unless ``params`` say otherwise) at
    1920x1080, live on its feed."""
    view = await ConsolePage.open(browser, origin, page, size=(1920, 1080))
    query = {"key": key, "day": "1", "platform": "1", **params}
    await view.page.goto(view.url(f"meets/{meet_id}/{page}?{urlencode(query)}"))
    await view.wait_until("document.body.dataset.live === '1'", 10)
    return view
