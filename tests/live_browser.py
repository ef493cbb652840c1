"""Pages that run the JavaScript live client (static/js/live/client.js, as the server
serves it) in headless Chromium, and a TCP proxy that cuts a page's network path.

The test page itself is not a product page: Playwright answers its URL (on the server's
own origin, so the module import and IndexedDB behave as in production) with a few lines
that import the client, and it stays loadable while the proxy is cut.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, Self

CHROMIUM = "/usr/bin/chromium"
TEST_PAGE = "live-client-test.html"

PAGE = """<!doctype html>
<meta charset="utf-8">
<title>live client under test</title>
<script type="module">
import {{ LiveClient }} from "{base}static/js/live/client.js";
window.events = {{ rejected: [], change: [], status: [], error: [] }};
window.openClient = async (options) => {{
  const client = await LiveClient.open(options);
  for (const name of Object.keys(window.events)) client.on(name, (detail) => window.events[name].push(detail));
  window.client = client;
  return client.status;
}};
window.pageReady = true;
</script>
"""


def chromium_available() -> bool:
    return Path(CHROMIUM).exists()


async def launch(playwright):
    return await playwright.chromium.launch(
        executable_path=CHROMIUM, args=["--no-sandbox", "--disable-background-networking", "--disable-gpu",
              # The test page is answered by Playwright, which Chromium counts as a public
              # address; let it reach the server on 127.0.0.1 as a real page does.
              "--disable-features=LocalNetworkAccessChecks"])


class LivePage:
    """One browser tab (its own context, so its own IndexedDB) running a LiveClient."""

    def __init__(self, page, origin: str, base: str, ws_url: str, location: str) -> None:
        self.page = page
        self.origin, self.base = origin, base
        self.url = f"{origin}{base}{TEST_PAGE}"
        self.ws_url = ws_url
        self.location = location
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self.modules: list[str] = []  # module URLs a test served to this page

    @classmethod
    async def open(cls, browser, origin: str, base: str, ws_url: str, location: str) -> "LivePage":
        context = await browser.new_context()
        html = PAGE.format(base=base)
        await context.route(f"{origin}{base}{TEST_PAGE}", lambda route: route.fulfill(body=html, content_type="text/html"))
        return await cls._in(context, origin, base, ws_url, location)

    async def another_tab(self) -> "LivePage":
        """A second tab of the same browser profile (same IndexedDB, same Web Locks)."""
        return await LivePage._in(self.page.context, self.origin, self.base, self.ws_url, self.location)

    @classmethod
    async def _in(cls, context, origin: str, base: str, ws_url: str, location: str) -> "LivePage":
        page = await context.new_page()
        live = cls(page, origin, base, ws_url, location)
        page.on("pageerror", lambda error: live.problems.append(str(error)))
        page.on("console", live._console)
        await live.load()
        return live

    async def serve_module(self, name: str, path: Path) -> str:
        """Answer <origin><base>test-modules/<name> with a JavaScript file of the checkout
        (e.g. an npm package); returns its URL for import()."""
        url = self.url.rsplit("/", 1)[0] + f"/test-modules/{name}"
        body = path.read_text()
        await self.page.context.route(url, lambda route: route.fulfill(body=body, content_type="text/javascript"))
        return url

    def _console(self, message) -> None:
        if message.type == "error" and not message.text.startswith("WebSocket connection to"):
            # (Chromium's own line for a refused connection is expected while cut.)
            self.problems.append(message.text)
        elif message.type == "warning":
            self.warnings.append(message.text)

    async def load(self) -> None:
        await self.page.goto(self.url)
        await self.wait_until("window.pageReady === true", 5)
        await self.page.evaluate(
            "([url, location]) => window.openClient({ url, location })", [self.ws_url, self.location])

    async def reload(self) -> None:
        await self.page.reload()
        await self.wait_until("window.pageReady === true", 5)
        await self.page.evaluate(
            "([url, location]) => window.openClient({ url, location })", [self.ws_url, self.location])

    async def js(self, expression: str, arg: Any = None) -> Any:
        return await self.page.evaluate(expression, arg)

    async def wait_until(self, expression: str, timeout: float = 5.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not await self.page.evaluate(expression):
            if loop.time() > deadline:
                raise AssertionError(f"timed out waiting for {expression}")
            await asyncio.sleep(0.02)

    async def create(self, password: str, endpoints: list[tuple[str, int]]) -> dict[str, Any]:
        return await self.js(
            "([password, endpoints]) => client.createMeet({ password, endpoints })",
            [password, [{"locationName": n, "priority": p} for n, p in endpoints]])

    async def join(self, meet_id: str, password: str) -> dict[str, Any]:
        return await self.js("([meetId, password]) => client.joinMeet({ meetId, password })", [meet_id, password])

    async def resume(self, meet_id: str) -> dict[str, Any]:
        return await self.js("(meetId) => client.resume(meetId)", meet_id)

    async def edit(self, key: str, value: Any) -> int:
        return await self.js("([key, value]) => client.edit(key, value)", [key, value])

    async def flush(self, timeout: float = 10.0) -> None:
        await asyncio.wait_for(self.js("() => client.flush()"), timeout)

    async def state(self) -> dict[str, Any]:
        return await self.js("() => client.state")

    async def canonical_state(self) -> dict[str, Any]:
        return await self.js("() => client.canonicalState")

    async def head(self) -> int:
        return await self.js("() => client.head")

    async def status(self) -> str:
        return await self.js("() => client.status")

    async def events(self, name: str) -> list[Any]:
        return await self.js(f"() => window.events[{json.dumps(name)}]")


class CuttableProxy:
    """A TCP proxy between pages and the server that the test can cut and restore: while
    cut, connections are closed and new ones refused (really offline, not a browser flag).
    It can also slip a text frame of its own to the pages between the server's frames."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.from_page: list[dict[str, Any]] = []  # every JSON frame a page sent, in order
        self.to_page: list[dict[str, Any]] = []  # every JSON frame the server sent a page
        self._server: asyncio.base_events.Server | None = None
        self._links: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._to_page: set[asyncio.StreamWriter] = set()

    async def start(self) -> Self:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    @property
    def online(self) -> bool:
        return self._server is not None

    async def cut(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for page_side, server_side in list(self._links):
            page_side.transport.abort()
            server_side.transport.abort()
        self._links.clear()
        self._to_page.clear()
        if server is not None:
            await server.wait_closed()

    async def restore(self) -> None:
        if self._server is None:
            await self.start()

    async def close(self) -> None:
        await self.cut()
        await asyncio.sleep(0)  # let the aborted transports finish closing

    def inject_text_frame(self, text: str) -> int:
        """Send a text frame to every connected page; returns how many got it."""
        frame = _text_frame(text.encode())
        for writer in self._to_page:
            writer.write(frame)
        return len(self._to_page)

    async def _serve(self, page_reader: asyncio.StreamReader, page_writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            page_writer.transport.abort()
            return
        link = (page_writer, server_writer)
        self._links.add(link)
        try:
            directions = [
                asyncio.ensure_future(self._frames_from_page(page_reader, server_writer)),
                asyncio.ensure_future(self._frames_to_page(server_reader, page_writer)),
            ]
            # When either side goes away, so does the other (as a real TCP path would).
            await asyncio.wait(directions, return_when=asyncio.FIRST_COMPLETED)
            for direction in directions:
                direction.cancel()
            await asyncio.gather(*directions, return_exceptions=True)
        finally:
            self._links.discard(link)
            self._to_page.discard(page_writer)
            page_writer.transport.abort()
            server_writer.transport.abort()

    async def _frames_to_page(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Forward the server's HTTP upgrade answer, then whole WebSocket frames, so an
        injected frame always falls between two of the server's."""
        writer.write(await reader.readuntil(b"\r\n\r\n"))
        self._to_page.add(writer)
        while True:
            head = await reader.readexactly(2)
            length = head[1] & 0x7F
            extra = b""
            if length == 126:
                extra = await reader.readexactly(2)
                length = int.from_bytes(extra, "big")
            elif length == 127:
                extra = await reader.readexactly(8)
                length = int.from_bytes(extra, "big")
            payload = await reader.readexactly(length)
            writer.write(head + extra + payload)
            await writer.drain()
            _record(self.to_page, head, payload)

    async def _frames_from_page(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Forward the page's upgrade request, then its (masked) frames, recording each."""
        writer.write(await reader.readuntil(b"\r\n\r\n"))
        while True:
            head = await reader.readexactly(2)
            length = head[1] & 0x7F
            extra = b""
            if length == 126:
                extra = await reader.readexactly(2)
                length = int.from_bytes(extra, "big")
            elif length == 127:
                extra = await reader.readexactly(8)
                length = int.from_bytes(extra, "big")
            mask = await reader.readexactly(4) if head[1] & 0x80 else b""
            payload = await reader.readexactly(length)
            writer.write(head + extra + mask + payload)
            await writer.drain()
            if mask:
                keystream = (mask * (length // 4 + 1))[:length]
                payload = (int.from_bytes(payload, "big") ^ int.from_bytes(keystream, "big")).to_bytes(length, "big")
            _record(self.from_page, head, payload)


def _record(into: list[dict[str, Any]], head: bytes, payload: bytes) -> None:
    if head[0] == 0x81:  # a whole text frame (the client and server never fragment)
        try:
            into.append(json.loads(payload))
        except ValueError:
            pass


def _text_frame(payload: bytes) -> bytes:
    if len(payload) < 126:
        return bytes([0x81, len(payload)]) + payload
    if len(payload) < 1 << 16:
        return bytes([0x81, 126]) + len(payload).to_bytes(2, "big") + payload
    return bytes([0x81, 127]) + len(payload).to_bytes(8, "big") + payload
