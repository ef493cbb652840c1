"""The display pages on a real server: rendered with the meet's key, 403 without."""

from __future__ import annotations

import re
from html import unescape

import pytest

from display_states import create_live_meet
from support import BASE_URL
from openlifter.views.pages import OVERLAY_PARTS

PAGES = ["", "overlay", "scoreboard"]


async def get(http_client, base_url, path):
    return await http_client.fetch(f"{base_url}{BASE_URL}{path}", raise_error=False)


@pytest.mark.gen_test
async def test_index_lists_copyable_urls_for_every_view(http_client, base_url, ws_connect):
    meet = await create_live_meet(await ws_connect())
    response = await get(http_client, base_url, meet.path(""))
    assert response.code == 200
    html = response.body.decode()
    assert "Nordic Open 2025" in html and "Day 1 · Platform 2" in html
    urls = [unescape(u) for u in re.findall(r'data-copy="([^"]+)"', html)]
    assert len(urls) == 3 * (2 + len(OVERLAY_PARTS)) + 4
    assert all(u.startswith(f"{base_url}{BASE_URL}meets/{meet.meet_id}/") and f"key={meet.display_key}" in u for u in urls)
    for url in urls[:2 + len(OVERLAY_PARTS)] + urls[-4:]:
        assert (await http_client.fetch(url, raise_error=False)).code == 200, url


@pytest.mark.gen_test
async def test_the_overlay_has_the_parts_asked_for_and_its_feed(http_client, base_url, ws_connect):
    meet = await create_live_meet(await ws_connect())
    response = await get(http_client, base_url, meet.path("overlay", parts="lowerthird,bar", platform="2", day="1"))
    html = response.body.decode()
    assert response.code == 200
    assert re.findall(r'data-fragment="(\w+)"', html) == ["bar", "lowerthird"]
    assert "Maja Karlsson" in html and 'class="plate' in html
    feed = unescape(re.search(r'data-feed="([^"]+)"', html).group(1))
    assert feed.startswith(f"{BASE_URL}meets/{meet.meet_id}/feed?key={meet.display_key}&view=overlay&day=1&platform=2")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.gen_test
async def test_the_scoreboard_shows_the_flight(http_client, base_url, ws_connect):
    meet = await create_live_meet(await ws_connect())
    html = (await get(http_client, base_url, meet.path("scoreboard"))).body.decode()
    assert re.findall(r'data-fragment="(\w+)"', html) == ["header", "clock", "lights", "current", "standings", "order"]
    assert html.count('<tr class="') >= 8 and "Erik Sandberg" in html and "Henrik Dahl" in html


@pytest.mark.gen_test
async def test_static_files_are_served_with_versions(http_client, base_url, ws_connect):
    meet = await create_live_meet(await ws_connect())
    html = (await get(http_client, base_url, meet.path("scoreboard"))).body.decode()
    for name in ("live.css", "live.js"):
        url = re.search(rf'"({re.escape(BASE_URL)}static/{name}\?v=\w+)"', html).group(1)
        response = await http_client.fetch(f"{base_url}{url}")
        assert response.code == 200 and len(response.body) > 500


@pytest.mark.gen_test
@pytest.mark.parametrize("page", PAGES)
async def test_a_bad_or_missing_key_gets_403_on_every_page(http_client, base_url, ws_connect, page):
    meet = await create_live_meet(await ws_connect())
    answers = [
        await get(http_client, base_url, f"meets/{meet.meet_id}/{page}?key=nope"),
        await get(http_client, base_url, f"meets/{meet.meet_id}/{page}"),
        await get(http_client, base_url, f"meets/123123123/{page}?key={meet.display_key}"),
    ]
    assert [a.code for a in answers] == [403, 403, 403]
    assert len({a.body for a in answers}) == 1 and b"Nordic" not in answers[0].body


@pytest.mark.gen_test
async def test_a_finished_meet_stays_readable(http_client, base_url, ws_connect):
    meet = await create_live_meet(await ws_connect())
    published = await meet.client.request({"msgType": "PUBLISH_MEET", "sessionToken": meet.token,
                                           "returnEmail": "director@example.com", "oplCsv": "Place,Name\n1,A\n"})
    assert published["msgType"] == "PUBLISH_ACK", published
    assert (await get(http_client, base_url, meet.path("scoreboard"))).code == 200
