"""Fixtures shared by all tests; the helpers they use live in support.py."""

from support import (  # noqa: F401
    app, config, config_overrides, data_dir, http_server, live_server, redis_server, registry, server_process, storage_kind, store_options, ws_connect,
)
