"""openlifter-live-upload: make a saved .openlifter file live on a server.

Creates a meet (or joins one with --meet-id) and uploads the file's ``meet``,
``registration`` and ``lifting`` as updates, then prints where to watch it. With
``--watch FOLDER`` it stays running as a bridge for a stock OpenLifter: every time a
``.openlifter`` file is saved in the folder, it reads the newest one and sends only the
keys that changed since the previous one.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from pathlib import Path
from typing import Any, Callable, Iterable

import tornado.httpclient
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from openlifter.auth.secrets import display_meet_id
from openlifter.client import LiveClient, ProtocolError
from openlifter.config import Config, environment_value
from openlifter.meet.jsondiff import changed_updates, edits_within
from openlifter.meet.jsonvalue import copy_json

UPLOADED_SLICES = ("meet", "registration", "lifting")
REQUIRED_SLICES = ("language", "meet", "registration", "lifting")
SAVE_SUFFIXES = (".openlifter", ".openlifter.txt")
MAX_VALUE_BYTES = Config().max_value_bytes  # the server's default: a larger value is sent as its members


class UploadError(Exception):
    pass


def read_openlifter_file(path: Path) -> dict[str, Any]:
    """Load a saved meet as OpenLifter itself checks it: the four slices must exist."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UploadError(f"{path}: cannot read it as an OpenLifter file ({error})") from None
    if not isinstance(data, dict) or any(not isinstance(data.get(s), (dict, str)) for s in REQUIRED_SLICES):
        raise UploadError(f"{path}: not an OpenLifter file (needs {', '.join(REQUIRED_SLICES)})")
    return data


def websocket_url(text: str) -> str:
    """The server's WebSocket address; an http(s) address is refused with the fix."""
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme in ("ws", "wss"):
        return text
    if scheme in ("http", "https"):
        hint = text.replace("http", "ws", 1).rstrip("/")
        hint = hint if hint.endswith("/ws") else hint + "/ws"
        raise argparse.ArgumentTypeError(f"{text!r} is a web page address; the server's WebSocket is e.g. {hint}")
    raise argparse.ArgumentTypeError(f"{text!r}: use ws://HOST:PORT/ws (or wss:// behind https)")


def meet_password(env_name: str) -> str:
    """The meet password from the environment, else asked on the terminal; with neither,
    a clear error (a script with no terminal must not hang or crash on the prompt)."""
    password = environment_value(env_name)
    if password:
        return password
    if not sys.stdin.isatty():
        raise UploadError(f"no meet password: set {env_name} (or name another variable with --password-env), or run in a terminal")
    try:
        return getpass.getpass("Meet password: ")
    except (EOFError, KeyboardInterrupt):
        raise UploadError("no meet password given") from None


def parse_endpoint(text: str) -> tuple[str, int]:
    name, _, priority = text.rpartition(":")
    if not name or not priority.lstrip("-").isdigit():
        raise argparse.ArgumentTypeError(f"{text!r}: use NAME:PRIORITY, e.g. 'Platform 1:10'")
    return name, int(priority)


def newest_save(folder: Path) -> Path | None:
    """The most recently written .openlifter file in ``folder`` (ties: the later name)."""
    saves = []
    try:
        for path in folder.iterdir():
            if path.name.endswith(SAVE_SUFFIXES) and path.is_file():
                saves.append((path.stat().st_mtime_ns, path.name, path))
    except OSError:
        return None
    return max(saves)[2] if saves else None


async def connect(args: argparse.Namespace, password: str) -> LiveClient:
    """Join the meet named by --meet-id, or create one with the given locations."""
    if args.meet_id:
        return await LiveClient.join(args.url, args.meet_id, password, args.location)
    endpoints = args.endpoint or [(args.location, 10)]
    if args.location not in [name for name, _ in endpoints]:
        endpoints = [(args.location, 10), *endpoints]
    return await LiveClient.create(args.url, args.location, password, endpoints)


def within_value_limit(updates: Iterable[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The updates, those with a value past the server's max_value_bytes split into their
    members (a national meet's registration: one update per lifter)."""
    return [edit for key, value in updates for edit in edits_within(key, value, MAX_VALUE_BYTES)]


def refusals(client: LiveClient) -> list[str]:
    return [f"{a.key}: {a.reason}" for answers in client.session.answers.values() for a in answers if not a.accepted]


async def upload(args: argparse.Namespace, password: str) -> LiveClient:
    state = read_openlifter_file(Path(args.file))
    client = await connect(args, password)
    await client.edit_many(within_value_limit((name, state[name]) for name in UPLOADED_SLICES))
    await client.settle(timeout=60)
    rejected = refusals(client)
    if rejected:
        raise UploadError("the server refused: " + "; ".join(rejected))
    return client


class SaveEvents(FileSystemEventHandler):
    """Wakes the bridge (on its asyncio loop) when a save file in the folder changes."""

    def __init__(self, loop: asyncio.AbstractEventLoop, wake: asyncio.Event) -> None:
        self.loop = loop
        self.wake = wake

    def on_any_event(self, event: FileSystemEvent) -> None:
        paths = [str(event.src_path), str(getattr(event, "dest_path", "") or "")]
        if any(p.endswith(SAVE_SUFFIXES) for p in paths):
            self.loop.call_soon_threadsafe(self.wake.set)


class SaveBridge:
    """Follows the newest save in a folder and sends what changed since the previous one.

    The first "previous one" is what the server already holds, so joining a meet that is
    already live sends only the differences. Edits made while the server is away stay
    pending in the client and go out when it reconnects.
    """

    def __init__(self, client: LiveClient, folder: Path, settle_seconds: float, report: Callable[[str], None] = print) -> None:
        self.client = client
        self.folder = folder
        self.settle_seconds = settle_seconds
        self.report = report
        self.previous: dict[str, Any] = copy_json(client.session.state)
        self.sent_saves = 0
        self._reported_refusals = 0

    async def send_newest(self) -> int:
        """Send the newest save's changes; how many keys went out (0: nothing changed)."""
        path = newest_save(self.folder)
        if path is None:
            return 0
        try:
            state = read_openlifter_file(path)
        except UploadError as error:
            self.report(f"skipped: {error}")  # e.g. caught half-written; the next event retries
            return 0
        updates = within_value_limit(changed_updates(self.previous, state, UPLOADED_SLICES))
        if not updates:
            return 0
        await self.client.edit_many(updates)
        self.previous = state
        self.sent_saves += 1
        self.report(f"{path.name}: {len(updates)} changed key(s): {', '.join(k for k, _ in updates[:8])}"
                    + (" …" if len(updates) > 8 else ""))
        return len(updates)

    async def keep_online(self) -> None:
        if self.client.online:
            return
        try:
            await self.client.reconnect()
            self.report("reconnected to the server")
        except (OSError, ProtocolError, asyncio.TimeoutError, tornado.httpclient.HTTPClientError) as error:  # HTTP: a refused handshake (503)
            self.report(f"server unreachable ({error}); changes wait and are sent when it is back")

    def report_refusals(self) -> None:
        rejected = refusals(self.client)
        for line in rejected[self._reported_refusals:]:
            self.report(f"refused by the server: {line}")
        self._reported_refusals = len(rejected)

    async def run(self, stop: asyncio.Event, retry_seconds: float = 5.0) -> None:
        loop = asyncio.get_running_loop()
        wake = asyncio.Event()
        observer = Observer()
        observer.schedule(SaveEvents(loop, wake), str(self.folder), recursive=False)
        observer.start()
        try:
            wake.set()  # the newest save already there counts as the first one
            while not stop.is_set():
                waiters = [asyncio.ensure_future(wake.wait()), asyncio.ensure_future(stop.wait())]
                await asyncio.wait(waiters, timeout=retry_seconds, return_when=asyncio.FIRST_COMPLETED)
                for waiter in waiters:
                    waiter.cancel()
                if stop.is_set():
                    break
                if wake.is_set():
                    await asyncio.sleep(self.settle_seconds)  # a save arrives in several writes
                    wake.clear()
                    await self.send_newest()
                await self.keep_online()
                self.report_refusals()
        finally:
            observer.stop()
            await loop.run_in_executor(None, observer.join)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="openlifter-live-upload", description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", help="a saved .openlifter file (not needed with --watch)")
    parser.add_argument("--url", default="ws://127.0.0.1:8080/ws", type=websocket_url, help="the server's WebSocket URL (ws:// or wss://)")
    parser.add_argument("--location", default="Meet director", help="this location's name")
    parser.add_argument("--endpoint", action="append", type=parse_endpoint, metavar="NAME:PRIORITY",
                        help="a location of the new meet (repeat); higher number = higher priority")
    parser.add_argument("--meet-id", help="upload into this existing meet instead of creating one")
    parser.add_argument("--password-env", default="OPENLIFTER_MEET_PASSWORD",
                        help="environment variable holding the meet password (else it is asked for)")
    parser.add_argument("--watch", metavar="FOLDER", type=Path,
                        help="keep running: follow the newest .openlifter file saved in FOLDER and send only "
                             "the keys that changed since the previous one (a bridge for a stock OpenLifter)")
    parser.add_argument("--settle-seconds", type=float, default=0.3,
                        help="with --watch: wait this long after a file event before reading the save")
    parser.add_argument("--retry-seconds", type=float, default=5.0,
                        help="with --watch: while the server is unreachable, try again this often")
    return parser


def main(argv: list[str] | None = None) -> None:
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.watch is None and args.file is None:
        parser.error("give a .openlifter file, or --watch FOLDER")
    if args.watch is not None and not args.watch.is_dir():
        parser.error(f"--watch {args.watch}: not a folder")
    if not 0 <= args.settle_seconds <= 60:
        parser.error("--settle-seconds: between 0 and 60")
    if not 0.1 <= args.retry_seconds <= 600:
        parser.error("--retry-seconds: between 0.1 and 600")
    try:
        password = meet_password(args.password_env)
        asyncio.run(_watch(args, password) if args.watch is not None else _run(args, password))
    except (UploadError, ProtocolError, OSError, asyncio.TimeoutError, tornado.httpclient.HTTPClientError) as error:
        print(f"openlifter-live-upload: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        pass


def _announce(args: argparse.Namespace, client: LiveClient) -> None:
    session = client.session
    http = args.url.replace("ws://", "http://").replace("wss://", "https://").rsplit("/ws", 1)[0]
    print(f"Meet {display_meet_id(session.meet_id or '')} is live ({session.head} updates).", flush=True)
    print(f"Views: {http}/meets/{session.meet_id}/?key={session.display_key}", flush=True)


async def _run(args: argparse.Namespace, password: str) -> None:
    client = await upload(args, password)
    await client.close()
    _announce(args, client)


async def _watch(args: argparse.Namespace, password: str) -> None:
    client = await connect(args, password)
    _announce(args, client)
    print(f"Watching {args.watch} for .openlifter saves (Ctrl-C stops).", flush=True)
    bridge = SaveBridge(client, args.watch, args.settle_seconds, report=lambda line: print(line, flush=True))
    try:
        await bridge.run(asyncio.Event(), retry_seconds=args.retry_seconds)
    finally:
        await client.close()


if __name__ == "__main__":
    main()
