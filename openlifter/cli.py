"""openlifter-server: read the config, start the server, stop gracefully on SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
import ssl
import sys

import tornado.httpserver
import tornado.ioloop
import tornado.netutil
import tornado.web

from openlifter.app import make_app
from openlifter.config import Config, ConfigError, config_file_path, load_config
from openlifter.httpserver import fit_connection_cap, make_server
from openlifter.logsetup import configure_logging, flush_logs
from openlifter.watching import ConfigReloader, FolderWatcher

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


ARCHIVE_CHECK_MS = 3600 * 1000  # meets idle for days: looking once an hour is plenty


def start_archiving(app: tornado.web.Application, after_days: float) -> tornado.ioloop.PeriodicCallback | None:
    """Archive long-idle unpublished meets now and then once an hour."""
    if after_days <= 0:
        return None
    registry = app.settings["openlifter_registry"]
    check = lambda: tornado.ioloop.IOLoop.current().spawn_callback(registry.archive_idle, after_days * 86400)  # noqa: E731
    check()
    archiver = tornado.ioloop.PeriodicCallback(check, ARCHIVE_CHECK_MS)
    archiver.start()
    return archiver


def url_to_open(config: Config, port: int) -> str:
    """The address a person types into a browser (a wildcard host is not one)."""
    host = "127.0.0.1" if config.host in ("", "0.0.0.0", "::") else config.host
    host = f"[{host}]" if ":" in host else host
    scheme = "https" if config.tls_cert else "http"
    return f"{scheme}://{host}:{port}{config.base_url}"


def tls_context(config: Config) -> ssl.SSLContext | None:
    """https and wss straight from the server (no proxy), or None for plain http."""
    if not config.tls_cert:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(config.tls_cert, config.tls_key)
    return context


def listen(server: tornado.httpserver.HTTPServer, port: int, host: str) -> int:
    """Bind and serve; returns the bound port (the real one when ``port`` is 0)."""
    sockets = tornado.netutil.bind_sockets(port, host)
    server.add_sockets(sockets)
    return sockets[0].getsockname()[1]


def apply_config(app: tornado.web.Application, config: Config) -> None:
    """Hand a reloaded config to everything that reads it at use time."""
    app.settings["openlifter_config"] = config
    app.settings["openlifter_registry"].config = config
    logging.getLogger().setLevel(config.log_level)


def start_watching(app: tornado.web.Application, config: Config, argv: list[str] | None) -> FolderWatcher:
    """Follow the config file and the themes folder (watchdog), so edits need no restart."""
    watcher = FolderWatcher()
    config_file = config_file_path(argv)
    if config_file is not None:
        reloader = ConfigReloader(argv, None, lambda fresh: apply_config(app, fresh), config)
        target = config_file.resolve()
        watcher.watch(target.parent, lambda path: reloader.reload() if path.resolve() == target else None)
    themes = app.settings["openlifter_themes"]
    if themes.folder.is_dir():
        watcher.watch(themes.folder, themes.changed)
    watcher.start()
    return watcher


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
    watcher = start_watching(app, config, argv)  # before listening: no edit goes unseen
    try:
        tls = tls_context(config)
    except (OSError, ssl.SSLError) as error:
        log.error("cannot start", extra={"error": f"tls_cert/tls_key: {error.strerror or error}"})
        flush_logs()
        return 1
    server = make_server(app, config, fit_connection_cap(config), ssl_options=tls)
    servers: list[tornado.httpserver.HTTPServer] = [server]
    try:
        port = listen(server, config.port, config.host)
        metrics_app = app.settings.get("openlifter_metrics_app")
        if metrics_app is not None:
            servers.append(tornado.httpserver.HTTPServer(metrics_app))
            log.info("metrics listening", extra={"host": config.host, "port": listen(servers[-1], config.metrics_port, config.host)})
    except OSError as error:
        log.error("cannot listen", extra={"host": config.host, "port": config.port, "error": error.strerror})
        return 1
    unloader = start_idle_unloading(app, config.meet_idle_unload_seconds)
    archiver = start_archiving(app, config.archive_after_days)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    log.info("listening", extra={"host": config.host, "port": port, "dataDir": str(config.data_path.resolve())})
    log.info(f"Open {url_to_open(config, port)} in a browser")
    await stop.wait()
    log.info("shutting down")
    watcher.stop()
    for listening in servers:
        listening.stop()
    for periodic in (unloader, archiver):
        if periodic is not None:
            periodic.stop()
    app.settings["openlifter_sockets"].close_all(CLOSE_GOING_AWAY, "server shutting down")
    await app.settings["openlifter_registry"].close()
    await asyncio.sleep(0.1)  # let the close frames go out
    app.settings["openlifter_io"].shutdown()
    log.info("stopped")
    flush_logs()
    return 0


def main(argv: list[str] | None = None) -> None:
    sys.exit(asyncio.run(serve(argv)))
