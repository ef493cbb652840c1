"""The console's page shells, the landing page and the OPL CSV preview on a real server."""

from __future__ import annotations

import json

import pytest

from display_states import create_live_meet, demo_state
from openlifter.rules.oplcsv import export_opl_csv
from support import BASE_URL

CONSOLE_PAGES = ["", "console/", "console/go-live", "console/join"]
MEET_PAGES = ["", "weigh-in", "table"]


async def get(http_client, base_url, path):
    return await http_client.fetch(f"{base_url}{BASE_URL}{path}", raise_error=False)


@pytest.mark.gen_test
@pytest.mark.parametrize("path", CONSOLE_PAGES)
async def test_console_pages_are_served_with_a_strict_content_policy(http_client, base_url, path):
    response = await get(http_client, base_url, path)
    assert response.code == 200
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert f'data-base="{BASE_URL}"' in response.body.decode()


@pytest.mark.gen_test
async def test_the_landing_page_says_what_the_server_is_and_where_to_go(http_client, base_url):
    html = (await get(http_client, base_url, "")).body.decode()
    assert "Go live" in html and "Join a meet" in html and "display key" in html
    assert f'href="{BASE_URL}console/go-live"' in html and f'href="{BASE_URL}console/join"' in html


@pytest.mark.gen_test
@pytest.mark.parametrize("page", MEET_PAGES)
async def test_meet_pages_accept_the_meet_id_with_or_without_spaces(http_client, base_url, page):
    for meet_id in ("123456789", "123%20456%20789", "123-456-789"):
        response = await get(http_client, base_url, f"console/meets/{meet_id}/{page}")
        assert response.code == 200
        assert 'data-meet="123456789"' in response.body.decode()


@pytest.mark.gen_test
@pytest.mark.parametrize("meet_id", ["12345678", "abcdefghi", "1234567890", "%3Cscript%3E"])
async def test_a_meet_page_with_no_meet_id_is_not_found(http_client, base_url, meet_id):
    assert (await get(http_client, base_url, f"console/meets/{meet_id}/table")).code == 404


@pytest.mark.gen_test
async def test_the_opl_csv_preview_is_the_servers_export_of_the_durable_state(http_client, base_url, ws_connect):
    state = demo_state()
    meet = await create_live_meet(await ws_connect(), state)
    response = await get(http_client, base_url, meet.path("api/opl-csv"))
    body = json.loads(response.body)
    assert response.code == 200 and body["seq"] == meet.head
    assert body["oplCsv"] == export_opl_csv(state)


@pytest.mark.gen_test
async def test_the_opl_csv_preview_needs_the_display_key(http_client, base_url, ws_connect):
    meet = await create_live_meet(await ws_connect(), demo_state())
    response = await get(http_client, base_url, f"meets/{meet.meet_id}/api/opl-csv?key=wrong")
    assert response.code == 403 and b"OPL Format" not in response.body
