"""Server processes on one Redis (SPEC section 8), started as an operator starts them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from support import RedisServer, free_port

pytestmark = pytest.mark.slow


def test_a_server_on_a_redis_without_appendfsync_always_refuses_to_start_with_the_reason(tmp_path: Path) -> None:
    unsafe = RedisServer(tmp_path / "redis", "--appendfsync", "everysec", "--requirepass", "hunter2-redis")
    try:
        url = f"redis://:hunter2-redis@127.0.0.1:{unsafe.port}/0"
        command = [sys.executable, "-m", "openlifter", "--port", str(free_port()), "--storage", "redis", "--redis-url", url]
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, env={**os.environ, "OPENLIFTER_LOG_FORMAT": "json"})
    finally:
        unsafe.stop()
    output = done.stdout + done.stderr
    assert done.returncode == 1
    assert "Redis appendfsync is 'everysec'; the redis store needs appendfsync always" in output
    assert "hunter2-redis" not in output
