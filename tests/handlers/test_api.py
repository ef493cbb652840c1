"""The JSON API on a real server: data with the display key, 403 and nothing without."""

from __future__ import annotations

import json
import logging

import pytest

from display_states import create_live_meet, demo_state, mark
from openlifter.rules.model import entries_from_state, meet_from_state
from openlifter.rules.rankings import BEST_LIFTER, get_rankings
from support import BASE_URL

ROUTES = ["api/state", "api/lifting", "api/standings", "api/views", "api/rankings"]


async def get(http_client, base_url, path):
    return await http_client.fetch(f"{base_url}{BASE_URL}{path}", raise_error=False)


@pytest.mark.gen_test
async def test_state_is_the_materialized_state(http_client, base_url, ws_connect):
    state = demo_state()
    state["streaming"] = {"streamingEnabled": False, "apiKey": "secret-api-key"}
    meet = await create_live_meet(await ws_connect(), state)
    response = await get(http_client, base_url, meet.path("api/state"))
    assert response.code == 200 and response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Cache-Control"] == "no-store"
    body = json.loads(response.body)
    assert body["meetId"] == meet.meet_id and body["seq"] == meet.head
    assert body["state"]["registration"] == state["registration"]
    assert body["state"]["streaming"] == {"streamingEnabled": False}  # the fork's API key stays home


@pytest.mark.gen_test
async def test_rankings_are_openlifters_best_lifter_lists(http_client, base_url, ws_connect):
    state = demo_state()
    for e in state["registration"]["entries"]:
        e.update(guest=e["id"] == 5000, age=45 if e["id"] == 5003 else 0)
        for lift in ("squat", "bench", "deadlift"):
            e[f"{lift}Kg"], e[f"{lift}Status"] = [e[f"{lift}Kg"][0] or 100.0, 0, 0, 0, 0], [1, 0, 0, 0, 0]
    meet = await create_live_meet(await ws_connect(), state)
    body = json.loads((await get(http_client, base_url, meet.path("api/rankings"))).body)
    assert body["seq"] == meet.head and body["rankings"]["list"] == "best" and not body["rankings"]["ageAdjusted"]
    expected = get_rankings(entries_from_state(state), meet_from_state(state), BEST_LIFTER)
    got = [[(row["id"], row["place"]) for row in c["rows"]] for c in body["rankings"]["categories"]]
    assert got == [[(row.entry.id, row.place) for row in r.rows] for r in expected]
    assert any(row == (5000, "G") for rows in got for row in rows)
    masters = json.loads((await get(http_client, base_url, meet.path("api/rankings", list="masters"))).body)["rankings"]
    assert masters["ageAdjusted"] and [row["id"] for c in masters["categories"] for row in c["rows"]] == [5003]
    bad = await get(http_client, base_url, meet.path("api/rankings", list="everyone"))
    assert bad.code == 400 and "list is one of best, masters, juniors" in json.loads(bad.body)["error"]


@pytest.mark.gen_test
async def test_lifting_of_every_platform_or_one(http_client, base_url, ws_connect):
    meet = await create_live_meet(await ws_connect())
    every = json.loads((await get(http_client, base_url, meet.path("api/lifting"))).body)
    assert every["table"] == {"day": 1, "platform": 1}
    assert [(p["id"], p["current"]["name"]) for p in every["platforms"]] == [("1-1", "Erik Sandberg"), ("1-2", "Maja Karlsson")]
    one = json.loads((await get(http_client, base_url, meet.path("api/lifting", day="1", platform="2"))).body)
    lifting = one["lifting"]
    assert lifting["current"]["weight"]["text"] == "150" and lifting["barLoad"]["perSideText"] == "25 + 25 + 10 + 2.5"
    assert [r["name"] for r in lifting["order"]][:1] == ["Sofie Holm"]
    assert (await get(http_client, base_url, meet.path("api/lifting", day="1", platform="7"))).code == 404
    assert (await get(http_client, base_url, meet.path("api/lifting", day="one"))).code == 400


@pytest.mark.gen_test
async def test_standings_follow_updates(http_client, base_url, ws_connect):
    state = demo_state()
    meet = await create_live_meet(await ws_connect(), state)
    standings = json.loads((await get(http_client, base_url, meet.path("api/standings"))).body)["standings"]
    assert standings["projected"] and standings["formula"] == "Dots"
    await meet.change(mark(state, 5001, "S", 2, True))  # Jonas 245: 675, still behind Magnus' 690
    body = json.loads((await get(http_client, base_url, meet.path("api/standings"))).body)
    open93 = next(c for c in body["standings"]["categories"] if c["title"] == "Open · Men \u221293 kg")
    assert body["seq"] == meet.head
    assert [(r["place"], r["name"], r["totalText"]) for r in open93["rows"]] == [
        ("1", "Magnus Halvorsen", "690"), ("2", "Jonas Eriksson", "675")]


@pytest.mark.gen_test
async def test_views_is_what_the_json_feed_pushes(http_client, base_url, ws_connect):
    meet = await create_live_meet(await ws_connect())
    views = json.loads((await get(http_client, base_url, meet.path("api/views"))).body)["views"]
    feed = await ws_connect(meet.path("feed"))
    pushed = await feed.recv()
    assert pushed["msgType"] == "MEET_VIEWS" and pushed["views"] == views


@pytest.mark.gen_test
@pytest.mark.parametrize("route", ROUTES)
async def test_a_bad_missing_or_foreign_key_gets_403_and_no_data(http_client, base_url, ws_connect, route):
    meet = await create_live_meet(await ws_connect())
    other = await create_live_meet(await ws_connect())
    answers = [
        await get(http_client, base_url, f"meets/{meet.meet_id}/{route}?key=wrong"),
        await get(http_client, base_url, f"meets/{meet.meet_id}/{route}"),
        await get(http_client, base_url, f"meets/{meet.meet_id}/{route}?key="),
        await get(http_client, base_url, f"meets/{meet.meet_id}/{route}?key={other.display_key}"),
        await get(http_client, base_url, f"meets/000000001/{route}?key={meet.display_key}"),
        await get(http_client, base_url, f"meets/not-a-meet/{route}?key={meet.display_key}"),
    ]
    assert [a.code for a in answers] == [403] * 6
    assert len({a.body for a in answers}) == 1  # unknown meet and wrong key look the same
    assert b"Erik" not in answers[0].body and meet.meet_id.encode() not in answers[0].body


@pytest.mark.gen_test
async def test_the_access_log_never_holds_the_key(http_client, base_url, ws_connect, caplog):
    meet = await create_live_meet(await ws_connect())
    with caplog.at_level(logging.INFO, logger="openlifter.access"):
        await get(http_client, base_url, meet.path("api/state"))
        await get(http_client, base_url, f"meets/{meet.meet_id}/api/state?key=guess")
    paths = [r.path for r in caplog.records if r.name == "openlifter.access"]
    assert paths == [f"{BASE_URL}meets/{meet.meet_id}/api/state"] * 2
    assert meet.display_key not in caplog.text and "guess" not in caplog.text
