"""make_app builds a LiveServer that starts and stops as one object (the CLI and the
tests use the same two calls)."""

import pytest
import tornado.websocket

from openlifter.app import make_app
from openlifter.server import StartError
from openlifter.storage.lock import DataFolderLock
from support import test_config


@pytest.mark.gen_test
async def test_start_listens_on_the_bound_port_and_stop_closes_sockets_and_frees_the_folder(tmp_path):
    server = make_app(test_config(tmp_path / "data", port=0))
    await server.start(argv=[])
    assert server.port and server.port != 0
    client = await tornado.websocket.websocket_connect(f"ws://127.0.0.1:{server.port}{server.config.base_url}ws/health")
    await server.stop()
    assert await client.read_message() is None
    assert client.close_code == 1001
    client.close()  # else Tornado warns "Unclosed WebSocketClientConnection" whenever the GC meets it
    DataFolderLock.acquire((tmp_path / "data").resolve(), "after").release()  # released by stop


@pytest.mark.gen_test
# Tornado's bind_sockets leaves the socket whose bind failed to the garbage collector.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
async def test_a_port_in_use_is_a_start_error_naming_it(tmp_path):
    first = make_app(test_config(tmp_path / "one", port=0))
    await first.start(argv=[])
    second = make_app(test_config(tmp_path / "two", port=first.port))
    with pytest.raises(StartError, match=f"cannot listen on 127.0.0.1:{first.port}"):
        await second.start(argv=[])
    await second.stop()
    await first.stop()
