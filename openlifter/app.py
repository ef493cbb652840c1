"""Wiring in one place: make_app(config) builds storage, registry, templates and routes."""

from __future__ import annotations

import functools
import hashlib
import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import tornado.web

from openlifter.config import Config
from openlifter.protocol import messages
from openlifter.handlers.api import ApiHandler
from openlifter.handlers.base import OpenSockets
from openlifter.handlers.console import ConsolePage, ConsoleServiceWorker, service_worker_script
from openlifter.handlers.display import DisplayPublishers
from openlifter.handlers.feed import DisplayFeed
from openlifter.handlers.health import HealthHandler, HealthSocket, NotFoundHandler
from openlifter.handlers.ops import DisplayKeyHandler, LogLevelHandler, MeetArchiveHandler, MeetDeleteHandler, MeetListHandler, MetricsHandler
from openlifter.handlers.pages import PageHandler
from openlifter.handlers.themes import ThemeCatalog, ThemeFeed
from openlifter.handlers.static import StaticFiles
from openlifter.handlers.ws import MeetSocket
from openlifter.logsetup import configure_logging
from openlifter.meet.registry import MeetRegistry
from openlifter.meet.replica import Replicas
from openlifter.metrics import ServerMetrics
from openlifter.protocol.schema import Limits
from openlifter.server import LiveServer
from openlifter.storage.executor import StorageExecutor
from openlifter.storage.filestore import FileMeetStore
from openlifter.storage.redischannel import MeetChannels
from openlifter.storage.redisstore import RedisMeetStore
from openlifter.storage.store import MeetStore, Place
from openlifter.views.offline import offline_manifest
from openlifter.views.pages import page_renderer
from openlifter.views.publisher import ChannelMaker, Publishers
from openlifter.views.worker import FrameSink, InProcessChannel, StateSource, ViewChannel, WorkerChannel, WorkerSettings, make_service

# Package data: in a checkout these are links to the top-level templates/ and static/,
# in an installed wheel real folders, so the server runs from any working directory.
PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"

access_log = logging.getLogger("openlifter.access")


# Probes come every few seconds from load balancers and monitors: DEBUG unless they fail.
QUIET_PATHS = ("health", "ws/health", "metrics")


def log_request(handler: tornado.web.RequestHandler) -> None:
    """Access log without query strings: display keys travel in ?key=."""
    status = handler.get_status()
    parts = urlsplit(handler.request.uri or "")
    level = logging.INFO if status < 400 else logging.WARNING if status < 500 else logging.ERROR
    if status < 400 and parts.path.endswith(QUIET_PATHS) or getattr(handler, "quiet_refusal", False):
        level = logging.DEBUG  # a refusal a crowd can cause, once per socket: the guard that refused logs now and then
    access_log.log(
        level,
        "request",
        extra={
            "status": status,
            "method": handler.request.method,
            "path": urlunsplit(("", "", parts.path, "", "")),
            "ms": round(1000 * handler.request.request_time(), 1),
        },
    )


def limits_from(config: Config) -> Limits:
    return Limits(
        max_updates_per_batch=config.max_updates_per_batch,
        max_key_length=config.max_key_length,
        max_key_index=config.max_key_index,
        max_value_bytes=config.max_value_bytes,
        max_key_segments=config.max_key_segments,
        max_value_depth=config.max_value_depth,
        max_in_flight_bytes=config.max_in_flight_bytes,
        max_receive_bytes_per_second=config.max_receive_bytes_per_second,
        receive_burst_bytes=config.max_message_bytes,
    )


def static_versions(directory: Path) -> dict[str, str]:
    """A short content hash per static file, read once at start-up (cache busting)."""
    if not directory.is_dir():
        return {}
    return {
        path.relative_to(directory).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def store_for(config: Config) -> MeetStore:
    """The storage backend the config names (SPEC section 3, or section 8's shared engine)."""
    if config.storage == "redis":
        return RedisMeetStore(config.redis_url, config.meet_lease_seconds, config.advertised_url, archive_root=config.redis_archive_path)
    return FileMeetStore(config.data_path)


def copies_for(config: Config, registry: MeetRegistry, io: StorageExecutor) -> Replicas | None:
    """With the redis store: read-only copies of meets other processes serve, for this
    process's displays (SPEC section 8), following each meet's channel."""
    store = registry.store
    if not isinstance(store, RedisMeetStore):
        return None
    channels = MeetChannels(
        config.redis_url, store.channel, lambda meet_id, notice: replicas.heard(meet_id, notice), lambda: replicas.resubscribed(), store.key("copies")
    )
    replicas = Replicas(
        lambda meet_id: store.records(meet_id, Place.CURRENT), channels, io, registry.meet_limits, registry.loop_share, config.display_copy_linger_seconds
    )
    return replicas


def view_channel_maker(config: Config, settings: WorkerSettings) -> ChannelMaker:
    """Channels to view worker processes, or (``view_workers = 0``) to a service on the IOLoop."""
    cap = config.view_worker_channel_bytes

    def make(source: StateSource, sink: FrameSink) -> ViewChannel:
        if config.view_workers:
            return WorkerChannel(settings, cap, source, sink, config.view_worker_stall_seconds)
        return InProcessChannel(make_service(settings), cap, source, sink)

    return make


def make_app(config: Config) -> LiveServer:
    """Build the whole server (storage, registry, templates, routes); ``start()`` serves it."""
    for folder in (TEMPLATES_DIR, STATIC_DIR):
        if not folder.is_dir():  # an install that lost its package data
            raise RuntimeError(f"{folder} is missing: reinstall the package (pip install .)")
    io = StorageExecutor(config.storage_threads)
    metrics = ServerMetrics()
    registry = MeetRegistry(config, io, messages, observer=metrics, store=store_for(config))
    sockets = OpenSockets(on_open=metrics.socket_opened)
    metrics.watch(lambda: len(sockets), lambda: len(registry.loaded_meets()))
    base = config.base_url
    versions = static_versions(STATIC_DIR)
    renderer = page_renderer(str(TEMPLATES_DIR), base, versions)
    channels = view_channel_maker(config, WorkerSettings(str(TEMPLATES_DIR), base, versions, config.feed_coalesce_seconds, functools.partial(configure_logging, "WARNING", config.log_format)))
    publishers = Publishers(channels, config.view_workers)
    registry.on_meet_loaded.append(publishers.attach)
    # Unloaded while displays watch it only when another process took it: they come back
    # (with a shared store, to this process's copy of the meet).
    registry.on_meet_unloaded.append(lambda live: publishers.of(live).disconnect_all(1012, "meet moved to another server process"))
    registry.on_meet_unloaded.append(publishers.detach)
    registry.in_use.append(publishers.watched)
    # 1012 (service restart): the client reconnects, and the proxy routes it to the new owner.
    registry.on_meet_lost.append(lambda live: sockets.close_meet(live.meet_id, 1012, "meet moved to another server process"))
    registry.start()
    replicas = copies_for(config, registry, io)
    copies = Publishers(channels, config.view_workers) if replicas is not None else None
    display_publishers = DisplayPublishers(publishers, replicas, copies)
    if replicas is not None:
        metrics.display_copies.set_function(lambda: len(replicas))
    themes = ThemeCatalog(Path(config.themes_dir))
    themes.scan()
    display = {"publishers": display_publishers}
    pages = {"renderer": renderer, "publishers": display_publishers, "themes": themes}
    meet = base + r"meets/([^/]+)/"
    console = {"renderer": renderer}
    protocol = {"limits": lambda: limits_from(settings["openlifter_config"]), "observer": metrics}
    console_templates = {p.name: p.read_bytes() for p in sorted((TEMPLATES_DIR / "console").iterdir()) if p.is_file()}
    manifest = offline_manifest(base, versions, console_templates, config.console_network_timeout_seconds)
    routes: list[Any] = [
        (base, ConsolePage, {"kind": "landing", **console}),
        (base + "ws", MeetSocket, protocol),
        (meet + "ws", MeetSocket, protocol),  # one meet's socket: a proxy may route by its id (SPEC 8)
        (base + "health", HealthHandler),
        (base + "ws/health", HealthSocket),
        *([] if config.metrics_port else [(base + "metrics", MetricsHandler, {"metrics": metrics})]),
        (base + "admin/log-level", LogLevelHandler),
        (base + r"admin/meets/([^/]+)/display-key", DisplayKeyHandler, {"publishers": publishers}),
        (base + "admin/meets", MeetListHandler),
        (base + r"admin/meets/([^/]+)/archive", MeetArchiveHandler),
        (base + r"admin/meets/([^/]+)", MeetDeleteHandler),
        # Display routes: each needs ?key=<displayKey>, else 403.
        (meet + "feed", DisplayFeed, display),
        (meet + "api/state", ApiHandler, {"what": "state", **display}),
        (meet + "api/lifting", ApiHandler, {"what": "lifting", **display}),
        (meet + "api/standings", ApiHandler, {"what": "standings", **display}),
        (meet + "api/views", ApiHandler, {"what": "views", **display}),
        (meet + "api/opl-csv", ApiHandler, {"what": "opl-csv", **display}),
        (meet + "api/rankings", ApiHandler, {"what": "rankings", **display}),
        (meet + "scoreboard", PageHandler, {"kind": "scoreboard", **pages}),
        (meet + "overlay", PageHandler, {"kind": "overlay", **pages}),
        (base + r"meets/([^/]+)/?", PageHandler, {"kind": "index", **pages}),
        # The meet console (SPEC 7): page shells; the JavaScript client does the rest.
        (base + "console/?", ConsolePage, {"kind": "home", **console}),
        (base + "console/go-live", ConsolePage, {"kind": "go-live", **console}),
        (base + "console/join", ConsolePage, {"kind": "join", **console}),
        (base + r"console/meets/([^/]+)/?", ConsolePage, {"kind": "meet", **console}),
        (base + r"console/meets/([^/]+)/weigh-in", ConsolePage, {"kind": "weigh-in", **console}),
        (base + r"console/meets/([^/]+)/table", ConsolePage, {"kind": "table", **console}),
        (base + r"console/meets/([^/]+)/referee", ConsolePage, {"kind": "referee", **console}),
        # The offline worker and the shells it keeps (one per page kind, for every meet).
        (base + "console/sw.js", ConsoleServiceWorker, {"script": service_worker_script(renderer, manifest)}),
        (base + r"console/shell/([a-z-]+)", ConsolePage, {"kind": None, **console}),
        (base + "static/(.*)", StaticFiles, {"path": str(STATIC_DIR)}),
        (base + r"themes/([A-Za-z0-9_-]+\.css)", StaticFiles, {"path": str(Path(config.themes_dir).resolve())}),
        (base + "themes/feed", ThemeFeed, {"themes": themes}),
        (base + ".*", NotFoundHandler),
    ]
    settings: dict[str, Any] = {
        "openlifter_config": config,
        "openlifter_registry": registry,
        "openlifter_io": io,
        "openlifter_sockets": sockets,
        "openlifter_metrics": metrics,
        "openlifter_publishers": publishers,
        "openlifter_display_publishers": display_publishers,
        "openlifter_replicas": replicas,
        "openlifter_renderer": renderer,
        "openlifter_themes": themes,
        "websocket_max_message_size": config.max_message_bytes,
        "websocket_ping_interval": config.ws_ping_interval or None,
        "websocket_ping_timeout": config.ws_ping_timeout or None,
        "log_function": log_request,
    }
    metrics_application = None
    if config.metrics_port:  # a listener of its own, which a firewall can keep private
        metrics_routes = [("/metrics", MetricsHandler, {"metrics": metrics})]
        metrics_application = tornado.web.Application(metrics_routes, log_function=log_request, openlifter_config=config)
    return LiveServer(config, tornado.web.Application(routes, **settings), metrics_application)
