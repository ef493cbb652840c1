"""The running server: what ``make_app`` builds, started and stopped as one object by the
CLI and by the tests (the same path for both).

``start`` listens (on the configured address, or on sockets the caller already bound) and
starts the background jobs: idle unloading, archiving, and following the config file and
the themes folder. ``stop`` undoes it in order: stop accepting, close every socket with
1001, let each meet finish its write, close the files and release the data folder.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl

import tornado.httpserver
import tornado.ioloop
import tornado.netutil
import tornado.web

from openlifter.gcpolicy import FreezeSurvivors
from openlifter.config import Config, config_file_path
from openlifter.handlers.base import OpenSockets
from openlifter.handlers.themes import ThemeCatalog
from openlifter.httpserver import fit_connection_cap, make_server
from openlifter.meet.registry import MeetRegistry
from openlifter.storage.executor import StorageExecutor
from openlifter.views.publisher import Publishers
from openlifter.watching import ConfigReloader, FolderWatcher

log = logging.getLogger("openlifter")

CLOSE_GOING_AWAY = 1001
ARCHIVE_CHECK_MS = 3600 * 1000  # meets idle for days: looking once an hour is plenty
FINISH_INTERRUPTED_MS = 600 * 1000  # a finished meet whose folder was unreachable: tried again


class StartError(Exception):
    """The server cannot start; the message says why in one line (no traceback)."""


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


class LiveServer:
    def __init__(
        self,
        config: Config,
        application: tornado.web.Application,
        metrics_application: tornado.web.Application | None,
    ) -> None:
        self.config = config
        self.application = application
        self.metrics_application = metrics_application
        self.port: int | None = None  # the bound one, once started (also with port 0)
        self._servers: list[tornado.httpserver.HTTPServer] = []
        self._periodic: list[tornado.ioloop.PeriodicCallback] = []
        self.gc_policy = FreezeSurvivors()
        self._watcher: FolderWatcher | None = None
        self._closed = False

    @property
    def registry(self) -> MeetRegistry:
        return self.application.settings["openlifter_registry"]

    @property
    def io(self) -> StorageExecutor:
        return self.application.settings["openlifter_io"]

    @property
    def sockets(self) -> OpenSockets:
        return self.application.settings["openlifter_sockets"]

    @property
    def publishers(self) -> Publishers:
        return self.application.settings["openlifter_publishers"]

    @property
    def themes(self) -> ThemeCatalog:
        return self.application.settings["openlifter_themes"]

    # ---- start ----------------------------------------------------------------------

    async def start(self, listening: list[socket.socket] | None = None, argv: list[str] | None = None) -> None:
        """Serve: on ``listening`` sockets if given (tests bind a free port), else on the
        configured host and port. ``argv`` names the config file to follow (None: this
        process's own arguments). Raises StartError with the reason."""
        config = self.config
        self._watcher = self._watch(argv)  # before listening: no edit goes unseen
        try:
            tls = tls_context(config)
        except (OSError, ssl.SSLError) as error:
            raise StartError(f"tls_cert/tls_key: {error.strerror or error}") from None
        # Metrics first: once the public port answers, everything listens (readiness probes).
        if self.metrics_application is not None:
            metrics_server = tornado.httpserver.HTTPServer(self.metrics_application)
            try:
                metrics_server.add_sockets(tornado.netutil.bind_sockets(config.metrics_port, config.host))
            except OSError as error:
                raise StartError(f"cannot listen on {config.host}:{config.metrics_port} (metrics_port): {error.strerror}") from None
            self._servers.append(metrics_server)
            log.info("metrics listening", extra={"host": config.host, "port": config.metrics_port})
        metrics = self.application.settings["openlifter_metrics"]
        server = make_server(self.application, config, fit_connection_cap(config), self.registry.loop_share.strangers, ssl_options=tls, refused=metrics.refused)
        try:
            sockets = listening or tornado.netutil.bind_sockets(config.port, config.host)
        except OSError as error:
            raise StartError(f"cannot listen on {config.host}:{config.port}: {error.strerror}") from None
        server.add_sockets(sockets)
        self._servers.append(server)
        self.port = sockets[0].getsockname()[1]
        self._start_periodic()
        self.application.settings["openlifter_metrics"].watch_gc(True)
        log.info("listening", extra={"host": config.host, "port": self.port, "dataDir": str(config.data_path.resolve())})
        log.info(f"Open {url_to_open(config, self.port)} in a browser")

    def _watch(self, argv: list[str] | None) -> FolderWatcher:
        """Follow the config file and the themes folder (watchdog), so edits need no restart."""
        watcher = FolderWatcher()
        config_file = config_file_path(argv)
        if config_file is not None:
            reloader = ConfigReloader(argv, None, self.apply_config, self.config)
            target = config_file.resolve()
            watcher.watch(target.parent, lambda path: reloader.reload() if path.resolve() == target else None)
        if self.themes.folder.is_dir():
            watcher.watch(self.themes.folder, self.themes.changed)
        watcher.start()
        return watcher

    def apply_config(self, config: Config) -> None:
        """Hand a reloaded config to everything that reads it at use time."""
        self.config = config
        self.application.settings["openlifter_config"] = config
        self.registry.config = config
        logging.getLogger().setLevel(config.log_level)

    def _start_periodic(self) -> None:
        registry, config = self.registry, self.config
        if config.meet_idle_unload_seconds > 0:  # meets nobody uses leave memory
            idle = config.meet_idle_unload_seconds

            def unload() -> None:
                registry.unload_idle(idle)

            self._periodic.append(tornado.ioloop.PeriodicCallback(unload, 1000 * min(60.0, max(1.0, idle / 4))))
        if config.archive_after_days > 0:  # long-idle unpublished meets are archived
            after = config.archive_after_days * 86400
            check = lambda: tornado.ioloop.IOLoop.current().spawn_callback(registry.archive_idle, after)  # noqa: E731
            check()
            self._periodic.append(tornado.ioloop.PeriodicCallback(check, ARCHIVE_CHECK_MS))
        if registry.store.shared:  # hold the meets served here (a third of the lease apart)
            renew = lambda: tornado.ioloop.IOLoop.current().spawn_callback(registry.renew_leases)  # noqa: E731
            self._periodic.append(tornado.ioloop.PeriodicCallback(renew, 1000 * config.meet_lease_seconds / 3))
            finish = lambda: tornado.ioloop.IOLoop.current().spawn_callback(registry.finish_interrupted)  # noqa: E731
            self._periodic.append(tornado.ioloop.PeriodicCallback(finish, FINISH_INTERRUPTED_MS))
        replicas = self.application.settings.get("openlifter_replicas")
        if replicas is not None:  # drop unwatched copies of meets served elsewhere; catch up missed rounds
            every = max(0.2, min(2.0, config.display_copy_linger_seconds / 2))
            check = lambda: tornado.ioloop.IOLoop.current().spawn_callback(replicas.check)  # noqa: E731
            self._periodic.append(tornado.ioloop.PeriodicCallback(check, 1000 * every))
        if config.gc_thaw_seconds > 0:  # full collections walk only what is new since the last
            self.gc_policy.watch(True)
            self._periodic.append(tornado.ioloop.PeriodicCallback(self.gc_policy.thaw, 1000 * config.gc_thaw_seconds))
        for periodic in self._periodic:
            periodic.start()

    # ---- stop -----------------------------------------------------------------------

    async def stop(self) -> None:
        """Stop accepting, close every socket with 1001, finish each meet's write, close
        the files and release the data folder. Safe to call more than once."""
        if self._closed:
            return
        if self._watcher is not None:
            self._watcher.stop()
        for server in self._servers:
            server.stop()
        for periodic in self._periodic:
            periodic.stop()
        self.sockets.close_all(CLOSE_GOING_AWAY, "server shutting down")
        self.publishers.close()  # no view work after this point
        self.application.settings["openlifter_display_publishers"].close()
        replicas = self.application.settings.get("openlifter_replicas")
        if replicas is not None:
            await replicas.close()
        await self.registry.close()
        await asyncio.sleep(0.1)  # let the close frames go out
        self.close()

    def close(self) -> None:
        """The last step of stop, also for a server that never started (tests)."""
        if self._closed:
            return
        self._closed = True
        self.application.settings["openlifter_metrics"].watch_gc(False)
        self.gc_policy.watch(False)
        self.publishers.close()
        self.io.shutdown()
        self.registry.close_files()


