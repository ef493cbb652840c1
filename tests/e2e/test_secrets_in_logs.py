"""Display keys, session tokens and the admin token never reach the log, whoever logs:
our handlers, Tornado's warnings for 4xx answers (they quote the URI), its error lines."""

from __future__ import annotations

import asyncio

import pytest
import tornado.httpclient
import tornado.websocket

from support import create_message, join_message, update, update_message

pytestmark = [pytest.mark.slow]

ADMIN_TOKEN = "admin-token-that-must-stay-secret"


async def bad_requests(server, meet_id: str, key: str, token: str) -> list[int]:
    """Requests that carry the secrets and get a 4xx answer of one kind or another."""
    base = f"http://127.0.0.1:{server.port}/"
    client = tornado.httpclient.AsyncHTTPClient()
    attempts = [
        ("GET", f"meets/{meet_id}/api/lifting?key={key}&day=one", None, {}),  # 400 with a log message
        ("GET", f"meets/{meet_id}/api/lifting?key={key}&day=9&platform=9", None, {}),  # 404 with a log message
        ("GET", f"meets/{meet_id}/api/lifting?key={key}&day=%00", None, {}),
        ("GET", f"meets/123456789/overlay?key={key}", None, {}),
        ("POST", f"meets/{meet_id}/api/state?key={key}", "{}", {}),
        ("GET", f"static/x%00?key={key}&sessionToken={token}", None, {}),
        ("GET", f"nowhere?key={key}&token={token}", None, {}),
        ("GET", f"meets/{meet_id}/feed?key={key}", None, {}),  # not a WebSocket upgrade
        ("GET", f"meets/{meet_id}/feed?key={key}", None, {"Upgrade": "websocket", "Connection": "Upgrade", "Origin": "x"}),
        ("POST", "admin/log-level", "[" * 50_000, {"Authorization": f"Bearer {ADMIN_TOKEN}"}),
        ("POST", "admin/log-level", '{"level": "LOUD"}', {"Authorization": f"Bearer {ADMIN_TOKEN}"}),
        ("POST", "admin/log-level", '{"level": "INFO"}', {"Authorization": f"Bearer {ADMIN_TOKEN}x"}),
        ("POST", "admin/meets/%00/display-key", "", {"Authorization": f"Bearer {ADMIN_TOKEN}"}),
    ]
    codes = []
    for method, path, body, headers in attempts:
        request = tornado.httpclient.HTTPRequest(base + path, method=method, body=body, headers=headers, allow_nonstandard_methods=True)
        codes.append((await client.fetch(request, raise_error=False)).code)
    return codes


@pytest.mark.gen_test(timeout=30)
async def test_no_secret_reaches_the_log_across_bad_requests(server_process, connect):
    server = server_process("--admin-token", ADMIN_TOKEN, "--log-level", "DEBUG")
    creator = await connect(server)
    created = await creator.request(create_message())
    meet_id, key, token = created["meetId"], created["displayKey"], created["sessionToken"]
    joined = await (await connect(server)).request(join_message(meet_id))
    await creator.request(update_message(token, update("meet.name", "Secrets", 1)))
    bad_ws = tornado.httpclient.HTTPRequest(f"ws://127.0.0.1:{server.port}/meets/{meet_id}/feed?key={key}x")
    with pytest.raises(tornado.httpclient.HTTPClientError):
        await tornado.websocket.websocket_connect(bad_ws)

    codes = await bad_requests(server, meet_id, key, token)
    assert all(400 <= code < 500 for code in codes), codes
    await asyncio.sleep(0.3)  # let the server write its last lines
    server.terminate()
    logs = server.logs()
    assert "request" in logs and "status" in logs  # the access log did record the requests
    for secret in (key, token, joined["sessionToken"], ADMIN_TOKEN):
        assert secret not in logs
