"""Wiring in one place: make_app(config) builds storage, registry, templates and routes."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import tornado.web

from openlifter.config import Config
from openlifter.handlers.base import OpenSockets
from openlifter.handlers.health import HealthHandler, NotFoundHandler
from openlifter.handlers.ws import MeetSocket
from openlifter.meet.registry import MeetRegistry
from openlifter.protocol.schema import Limits
from openlifter.storage.executor import StorageExecutor

access_log = logging.getLogger("openlifter.access")


def log_request(handler: tornado.web.RequestHandler) -> None:
    """Access log without query strings: display keys travel in ?key=."""
    status = handler.get_status()
    parts = urlsplit(handler.request.uri or "")
    level = logging.INFO if status < 400 else logging.WARNING if status < 500 else logging.ERROR
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
    )


def make_app(config: Config) -> tornado.web.Application:
    io = StorageExecutor(config.storage_threads)
    registry = MeetRegistry(config, io)
    registry.start()
    base = config.base_url
    routes: list[Any] = [
        (base + "ws", MeetSocket, {"limits": limits_from(config)}),
        (base + "health", HealthHandler),
        (base + ".*", NotFoundHandler),
    ]
    settings: dict[str, Any] = {
        "openlifter_config": config,
        "openlifter_registry": registry,
        "openlifter_io": io,
        "openlifter_sockets": OpenSockets(),
        "websocket_max_message_size": config.max_message_bytes,
        "websocket_ping_interval": config.ws_ping_interval or None,
        "websocket_ping_timeout": config.ws_ping_timeout or None,
        "log_function": log_request,
    }
    return tornado.web.Application(routes, **settings)
