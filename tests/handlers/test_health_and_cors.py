"""/ws/health answers a ping; the JSON API and /health send CORS headers from
cors_origins and answer the preflight (OPTIONS)."""

import pytest

from support import BASE_URL, create_message

PAGE_ORIGIN = "https://overlays.example"


@pytest.mark.gen_test
async def test_the_websocket_health_probe_answers_ping_with_pong(ws_connect):
    probe = await ws_connect("ws/health")
    await probe.conn.write_message("ping")
    assert await probe.conn.read_message() == "pong"


@pytest.mark.gen_test
async def test_by_default_any_origin_may_read_the_api(http_client, base_url, ws_connect):
    created = await (await ws_connect()).request(create_message())
    response = await http_client.fetch(f"{base_url}{BASE_URL}meets/{created['meetId']}/api/state?key={created['displayKey']}",
                                       headers={"Origin": PAGE_ORIGIN})
    assert response.headers["Access-Control-Allow-Origin"] == "*"


class TestWithAListOfOrigins:
    @pytest.fixture
    def config_overrides(self):
        return {"cors_origins": [PAGE_ORIGIN]}

    @pytest.mark.gen_test
    async def test_a_listed_origin_is_allowed_by_name(self, http_client, base_url):
        response = await http_client.fetch(f"{base_url}{BASE_URL}health", headers={"Origin": PAGE_ORIGIN})
        assert response.headers["Access-Control-Allow-Origin"] == PAGE_ORIGIN
        assert "Origin" in response.headers["Vary"]

    @pytest.mark.gen_test
    async def test_another_origin_gets_no_cors_header(self, http_client, base_url):
        response = await http_client.fetch(f"{base_url}{BASE_URL}health", headers={"Origin": "https://elsewhere.example"})
        assert "Access-Control-Allow-Origin" not in response.headers

    @pytest.mark.gen_test
    async def test_the_preflight_is_answered_without_the_display_key(self, http_client, base_url):
        response = await http_client.fetch(f"{base_url}{BASE_URL}meets/123456789/api/standings", method="OPTIONS",
                                           headers={"Origin": PAGE_ORIGIN, "Access-Control-Request-Method": "GET"})
        assert response.code == 204
        assert response.headers["Access-Control-Allow-Origin"] == PAGE_ORIGIN
        assert "GET" in response.headers["Access-Control-Allow-Methods"]
        assert response.body == b""


class TestWithNoOrigins:
    @pytest.fixture
    def config_overrides(self):
        return {"cors_origins": []}

    @pytest.mark.gen_test
    async def test_no_origin_is_allowed(self, http_client, base_url):
        response = await http_client.fetch(f"{base_url}{BASE_URL}health", headers={"Origin": PAGE_ORIGIN})
        assert "Access-Control-Allow-Origin" not in response.headers
