"""openlifter-server: read the config, start the server, stop gracefully on SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from openlifter.app import make_app
from openlifter.config import ConfigError, load_config
from openlifter.logsetup import configure_logging, flush_logs
from openlifter.server import StartError

log = logging.getLogger("openlifter")


async def serve(argv: list[str] | None = None) -> int:
    try:
        config = load_config(argv)
    except ConfigError as error:
        print(f"openlifter-server: {error}", file=sys.stderr)
        return 2
    configure_logging(config.log_level, config.log_format)
    try:
        server = make_app(config)
    except Exception as error:  # storage not usable: one clear line, no traceback
        log.error("cannot start", extra={"error": str(error)})
        flush_logs()
        return 1
    try:
        await server.start(argv=argv)
    except StartError as error:
        log.error("cannot start", extra={"error": str(error)})
        await server.stop()
        flush_logs()
        return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    log.info("shutting down")
    await server.stop()
    log.info("stopped")
    flush_logs()
    return 0


def main(argv: list[str] | None = None) -> None:
    sys.exit(asyncio.run(serve(argv)))
