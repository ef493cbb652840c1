"""openlifter-live-upload: make a saved .openlifter file live on a server.

Creates a meet (or joins one with --meet-id) and uploads the file's ``meet``,
``registration`` and ``lifting`` as updates, then prints where to watch it.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from openlifter.auth.secrets import display_meet_id
from openlifter.client import LiveClient, ProtocolError
from openlifter.config import environment_value

UPLOADED_SLICES = ("meet", "registration", "lifting")
REQUIRED_SLICES = ("language", "meet", "registration", "lifting")


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


async def upload(args: argparse.Namespace, password: str) -> LiveClient:
    state = read_openlifter_file(Path(args.file))
    if args.meet_id:
        client = await LiveClient.join(args.url, args.meet_id, password, args.location)
    else:
        endpoints = args.endpoint or [(args.location, 10)]
        if args.location not in [name for name, _ in endpoints]:
            endpoints = [(args.location, 10), *endpoints]
        client = await LiveClient.create(args.url, args.location, password, endpoints)
    await client.edit_many((name, state[name]) for name in UPLOADED_SLICES)
    await client.settle(timeout=60)
    rejected = [a for answers in client.session.answers.values() for a in answers if not a.accepted]
    if rejected:
        raise UploadError("the server refused: " + "; ".join(f"{a.key}: {a.reason}" for a in rejected))
    return client


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="openlifter-live-upload", description=__doc__.splitlines()[0])
    parser.add_argument("file", help="a saved .openlifter file")
    parser.add_argument("--url", default="ws://127.0.0.1:8080/ws", type=websocket_url, help="the server's WebSocket URL (ws:// or wss://)")
    parser.add_argument("--location", default="Meet director", help="this location's name")
    parser.add_argument("--endpoint", action="append", type=parse_endpoint, metavar="NAME:PRIORITY",
                        help="a location of the new meet (repeat); higher number = higher priority")
    parser.add_argument("--meet-id", help="upload into this existing meet instead of creating one")
    parser.add_argument("--password-env", default="OPENLIFTER_MEET_PASSWORD",
                        help="environment variable holding the meet password (else it is asked for)")
    args = parser.parse_args(argv)
    try:
        password = meet_password(args.password_env)
        client = asyncio.run(_run(args, password))
    except (UploadError, ProtocolError, OSError, asyncio.TimeoutError) as error:
        print(f"openlifter-live-upload: {error}", file=sys.stderr)
        sys.exit(1)
    session = client.session
    http = args.url.replace("ws://", "http://").replace("wss://", "https://").rsplit("/ws", 1)[0]
    print(f"Meet {display_meet_id(session.meet_id or '')} is live ({session.head} updates).")
    print(f"Views: {http}/meets/{session.meet_id}/?key={session.display_key}")


async def _run(args: argparse.Namespace, password: str) -> LiveClient:
    client = await upload(args, password)
    await client.close()
    return client


if __name__ == "__main__":
    main()
