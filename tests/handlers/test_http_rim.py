"""Hostile HTTP input at every route: a clear 4xx, never a 500 (SPEC section 2, issue 7)."""

from __future__ import annotations

import random

import pytest
import tornado.httpclient

from openlifter.handlers.base import GuardedRequest
from support import BASE_URL, create_message

ADMIN_TOKEN = "admin-token-for-the-fuzz-test"
DEEP_JSON = "[" * 100_000 + "]" * 100_000

pytestmark = pytest.mark.parametrize("config_overrides", [{"admin_token": ADMIN_TOKEN}])


async def fetch(http_client, base_url, path, method="GET", body=None, headers=None):
    request = tornado.httpclient.HTTPRequest(
        f"{base_url}{BASE_URL}{path}", method=method, body=body, headers=headers,
        allow_nonstandard_methods=True, request_timeout=20,
    )
    return await http_client.fetch(request, raise_error=False)


def test_every_route_goes_through_the_input_guard(app, config_overrides):
    handlers = [rule.target for rule in app.wildcard_router.rules]
    assert handlers and all(issubclass(handler, GuardedRequest) for handler in handlers)


@pytest.mark.gen_test
async def test_a_nul_in_a_static_path_is_a_400(http_client, base_url, config_overrides):
    assert (await fetch(http_client, base_url, "static/x%00")).code == 400


@pytest.mark.gen_test
async def test_deeply_nested_json_to_the_log_level_endpoint_is_a_400(http_client, base_url, config_overrides):
    response = await fetch(
        http_client, base_url, "admin/log-level", "POST", DEEP_JSON, {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    )
    assert response.code == 400 and "nested too deeply" in response.reason


def fuzz_requests(meet_id: str, key: str, count: int, seed: int = 7) -> list[tuple[str, str, str | bytes | None, dict[str, str]]]:
    """Requests mixing every route with odd ids, query values, methods and bodies."""
    rng = random.Random(seed)
    ids = [meet_id, "123456789", "%00", "%ff%fe", "..%2f..%2fetc", "9" * 5000, "1%202%203", "%c0%80", "\u00e9"]
    routes = [
        "", "ws", "health", "metrics", "admin/log-level", "admin/meets/{id}/display-key", "meets/{id}/feed",
        "meets/{id}/api/state", "meets/{id}/api/lifting", "meets/{id}/api/standings", "meets/{id}/api/views",
        "meets/{id}/scoreboard", "meets/{id}/overlay", "meets/{id}/", "static/{id}", "static/js/{id}", "{id}",
    ]
    values = [key, "wrong", "", "%00", "%ff", "%0d%0aX-Injected:%201", "x" * 3000, "1", "-1", "1e999", "NaN", "%e2%80%ae"]
    names = ["key", "day", "platform", "view", "parts", "lifters", "theme", "%00", "x"]
    bodies: list[str | bytes | None] = [None, "", "{}", '{"level": "DEBUG"}', '{"level": 7}', DEEP_JSON, b"\xff\xfe", "[1,", '"x"', "null"]
    methods = ["GET", "GET", "GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]
    requests = []
    for _ in range(count):
        path = rng.choice(routes).replace("{id}", rng.choice(ids))
        query = "&".join(f"{rng.choice(names)}={rng.choice(values)}" for _ in range(rng.randint(0, 3)))
        method = rng.choice(methods)
        body = rng.choice(bodies) if method in ("POST", "PUT", "PATCH") else None
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"} if rng.random() < 0.5 else {}
        if rng.random() < 0.2:
            headers.update({"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
                            "Sec-WebSocket-Key": rng.choice(["dGhlIHNhbXBsZSBub25jZQ==", "", "%00"]),
                            "Origin": rng.choice(["http://evil.example", "null", ""])})
        requests.append((method, path + ("?" + query if query else ""), body, headers))
    return requests


@pytest.mark.gen_test(timeout=120)
async def test_no_route_answers_a_5xx_to_hostile_input(http_client, base_url, ws_connect, config_overrides):
    created = await (await ws_connect()).request(create_message())
    answers = []
    for method, path, body, headers in fuzz_requests(created["meetId"], created["displayKey"], 300):
        response = await fetch(http_client, base_url, path, method, body, headers)
        answers.append((response.code, method, path[:80]))
    assert [answer for answer in answers if answer[0] >= 500 or answer[0] == 599] == []
    assert len({code for code, _, _ in answers}) > 3  # the requests reached different answers
