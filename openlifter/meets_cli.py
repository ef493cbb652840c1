"""openlifter-meets: list, archive and delete the meets of a data folder.

Works on the folder directly, so it takes the same lock as the server: while a server
runs on the folder it refuses, and the admin endpoints (/admin/meets) do the same jobs.
With storage = redis it works on the meets in Redis instead, beside the running server
processes: a meet one of them serves is refused (in use).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import sys

from openlifter.app import store_for
from openlifter.auth.secrets import display_meet_id, normalize_meet_id
from openlifter.protocol import messages
from openlifter.config import ConfigError, load_config
from openlifter.meet.registry import MeetRegistry, Rejected
from openlifter.storage.executor import StorageExecutor
from openlifter.storage.files import StorageError
from openlifter.storage.lock import DataFolderInUse

HOLDER = "openlifter-meets"


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="openlifter-meets", description=__doc__.splitlines()[0])
    parser.add_argument("--config", metavar="FILE", help="the server's config file (for data_dir and archive_after_days)")
    parser.add_argument("--data-dir", metavar="DIR", help="the data folder (default: from the config, else ./data)")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("list", help="every meet: id, status, last activity")
    archive = actions.add_parser("archive", help="archive one current meet")
    archive.add_argument("meet_id", metavar="MEET_ID")
    actions.add_parser("archive-idle", help="archive every meet idle longer than archive_after_days")
    delete = actions.add_parser("delete", help="delete one meet and its folder for good")
    delete.add_argument("meet_id", metavar="MEET_ID")
    delete.add_argument("--yes", action="store_true", help="really delete (required)")
    return parser


async def run(args: argparse.Namespace, registry: MeetRegistry, after_days: float) -> list[str]:
    """Do the action; return the lines to print."""
    if args.action == "list":
        lines = []
        for summary in await registry.summaries():
            when = datetime.datetime.fromtimestamp(summary.last_activity, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
            lines.append(f"{display_meet_id(summary.meet_id)}  {summary.status:<8}  last change {when}")
        return lines or ["no meets"]
    if args.action == "archive-idle":
        if after_days <= 0:
            return ["archive_after_days is 0: nothing is archived"]
        archived = await registry.archive_idle(after_days * 86400)
        return [f"archived {display_meet_id(meet_id)}" for meet_id in archived] or ["no meet is idle that long"]
    meet_id = normalize_meet_id(args.meet_id)
    if not meet_id:
        raise Rejected(f"{args.meet_id!r} is not a meet id (9 digits)")
    if args.action == "archive":
        await registry.archive(meet_id)
        return [f"archived {display_meet_id(meet_id)}"]
    if not args.yes:
        raise Rejected("deleting cannot be undone: add --yes")
    await registry.delete(meet_id)
    return [f"deleted {display_meet_id(meet_id)}"]


def main(argv: list[str] | None = None) -> None:
    args = make_parser().parse_args(argv)
    flags = (["--config", args.config] if args.config else []) + (["--data-dir", args.data_dir] if args.data_dir else [])
    try:
        config = load_config(flags)
    except ConfigError as error:
        sys.exit(f"openlifter-meets: {error}")
    io = StorageExecutor(1)
    registry = MeetRegistry(config, io, messages, store=store_for(config))  # the data folder, or Redis
    try:
        registry.start(holder=HOLDER)
        lines = asyncio.run(run(args, registry, config.archive_after_days))
    except DataFolderInUse as error:
        sys.exit(f"openlifter-meets: {error}; while the server runs, use its /admin/meets endpoints")
    except (Rejected, StorageError) as error:
        sys.exit(f"openlifter-meets: {error}")
    finally:
        registry.close_files()
        io.shutdown()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
