"""openlifter-server: read the config, start the server, stop gracefully on SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

import tornado.ioloop
import tornado.web

from openlifter.app import make_app
from openlifter.config import ConfigError, load_config
from openlifter.httpserver import fit_connection_cap, make_server
from openlifter.logsetup import configure_logging, flush_logs

log = logging.getLogger("openlifter")

CLOSE_GOING_AWAY = 1001


def start_idle_unloading(app: tornado.web.Application, idle_seconds: float) -> tornado.ioloop.PeriodicCallback | None:
    """Check now and then for meets nobody uses, and drop them from memory."""
    if idle_seconds <= 0:
        return None
    registry = app.settings["openlifter_registry"]
    every_ms = 1000 * min(60.0, max(1.0, idle_seconds / 4))
    unloader = tornado.ioloop.PeriodicCallback(lambda: registry.unload_idle(idle_seconds), every_ms)
    unloader.start()
    return unloader


async def serve(argv: list[str] | None = None) -> int:
    try:
        config = load_config(argv)
    except ConfigError as error:
        print(f"openlifter-server: {error}", file=sys.stderr)
        return 2
    configure_logging(config.log_level, config.log_format)
    try:
        app = make_app(config)
    except Exception as error:  # storage not usable: one clear line, no traceback
        log.error("cannot start", extra={"error": str(error)})
        flush_logs()
        return 1
    server = make_server(app, config, fit_connection_cap(config))
    try:
        server.listen(config.port, config.host)
    except OSError as error:
        log.error("cannot listen", extra={"host": config.host, "port": config.port, "error": error.strerror})
        return 1
    unloader = start_idle_unloading(app, config.meet_idle_unload_seconds)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    log.info("listening", extra={"host": config.host, "port": config.port, "dataDir": str(app.settings["openlifter_registry"].paths.root)})
    await stop.wait()
    log.info("shutting down")
    server.stop()
    if unloader is not None:
        unloader.stop()
    app.settings["openlifter_sockets"].close_all(CLOSE_GOING_AWAY, "server shutting down")
    app.settings["openlifter_publishers"].close()  # no view work after this point
    await app.settings["openlifter_registry"].close()
    await asyncio.sleep(0.1)  # let the close frames go out
    app.settings["openlifter_io"].shutdown()
    log.info("stopped")
    flush_logs()
    return 0


def main(argv: list[str] | None = None) -> None:
    sys.exit(asyncio.run(serve(argv)))
