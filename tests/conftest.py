"""Fixtures shared by all tests; the helpers they use live in support.py."""

from support import app, config, config_overrides, data_dir, http_server, live_server, registry, server_process, ws_connect  # noqa: F401
