"""Fixtures for the end-to-end tests that run the real server in a subprocess."""

from __future__ import annotations

from typing import Awaitable, Callable, Iterator

import pytest

from support import Client, ServerProcess, connect_url


@pytest.fixture
def connect(io_loop) -> Iterator[Callable[[ServerProcess], Awaitable[Client]]]:
    """``await connect(server)`` opens a WebSocket to a server process; closed at the end
    (before pytest-tornado's ``io_loop`` closes, hence the dependency)."""
    clients: list[Client] = []

    async def open_(server: ServerProcess) -> Client:
        client = await connect_url(server.ws_url)
        clients.append(client)
        return client

    yield open_
    for client in clients:
        client.close()

