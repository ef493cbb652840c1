"""openlifter-live-publish: publish a live meet with its OpenPowerlifting CSV.

Joins the meet at an updating location with the meet password, sends PUBLISH_MEET with
the CSV file and the return e-mail, and says what the server answered.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from openlifter.auth.secrets import display_meet_id, normalize_meet_id
from openlifter.client import LiveClient, ProtocolError
from openlifter.protocol import messages as m
from openlifter.upload import UploadError, meet_password, websocket_url


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="openlifter-live-publish", description=__doc__.splitlines()[0])
    parser.add_argument("csv", help="the meet's OpenPowerlifting CSV file")
    parser.add_argument("--meet-id", required=True, help="the meet to publish (9 digits, spaces allowed)")
    parser.add_argument("--email", required=True, help="return e-mail for OpenPowerlifting's questions")
    parser.add_argument("--url", default="ws://127.0.0.1:8080/ws", type=websocket_url, help="the server's WebSocket URL (ws:// or wss://)")
    parser.add_argument("--location", default="Meet director", help="an updating location of the meet")
    parser.add_argument("--password-env", default="OPENLIFTER_MEET_PASSWORD",
                        help="environment variable holding the meet password (else it is asked for)")
    return parser


async def publish(args: argparse.Namespace, password: str, csv_text: str) -> str:
    meet_id = normalize_meet_id(args.meet_id)
    if not meet_id:
        raise UploadError(f"{args.meet_id!r} is not a meet id (9 digits)")
    client = await LiveClient.join(args.url, meet_id, password, args.location)
    try:
        reply = await client.publish(args.email, csv_text)
    finally:
        await client.close()
    if reply["msgType"] != m.PUBLISH_ACK:
        raise UploadError(f"the server refused: {reply.get('reason', 'publish refused')}")
    return meet_id


def main(argv: list[str] | None = None) -> None:
    args = make_parser().parse_args(argv)
    try:
        csv_text = Path(args.csv).read_text(encoding="utf-8")
        password = meet_password(args.password_env)
        meet_id = asyncio.run(publish(args, password, csv_text))
    except (UploadError, ProtocolError, OSError, UnicodeDecodeError, asyncio.TimeoutError) as error:
        print(f"openlifter-live-publish: {error}", file=sys.stderr)
        sys.exit(1)
    print(f"Meet {display_meet_id(meet_id)} is published; its CSV and e-mail are stored on the server.")


if __name__ == "__main__":
    main()
