"""/admin/meets on a real server: list, archive, delete, behind the admin token."""

import json

import pytest

from support import BASE_URL, create_message, join_message

ADMIN_TOKEN = "admin-token-for-tests-123"
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def config_overrides():
    return {"admin_token": ADMIN_TOKEN}


async def admin(http_client, base_url, path, method="GET", headers=AUTH):
    response = await http_client.fetch(
        base_url + BASE_URL + path, method=method, headers=headers, raise_error=False,
        body=b"" if method == "POST" else None, allow_nonstandard_methods=True,
    )
    return response.code, json.loads(response.body or b"null") if response.code < 500 and response.body.startswith(b"{") else None


async def created_meet(ws_connect):
    client = await ws_connect()
    created = await client.request(create_message())
    client.close()
    return created


@pytest.mark.gen_test
async def test_the_meet_list_needs_the_admin_token(http_client, base_url):
    code, _ = await admin(http_client, base_url, "admin/meets", headers={"Authorization": "Bearer wrong"})
    assert code == 403


@pytest.mark.gen_test
async def test_an_archived_meet_is_listed_as_archived_and_its_password_brings_it_back(http_client, base_url, ws_connect):
    created = await created_meet(ws_connect)
    meet_id = created["meetId"]
    code, body = await admin(http_client, base_url, f"admin/meets/{meet_id}/archive", "POST")
    assert (code, body) == (200, {"meetId": meet_id, "status": "archived"})
    code, body = await admin(http_client, base_url, "admin/meets")
    assert [(m["meetId"], m["status"]) for m in body["meets"]] == [(meet_id, "archived")]
    page = await http_client.fetch(f"{base_url}{BASE_URL}meets/{meet_id}/?key={created['displayKey']}")
    assert page.code == 200
    client = await ws_connect()
    assert (await client.request(join_message(meet_id)))["msgType"] == "MEET_JOINED"
    code, body = await admin(http_client, base_url, "admin/meets")
    assert body["meets"][0]["status"] == "current"


@pytest.mark.gen_test
async def test_a_meet_with_a_connected_browser_is_not_archived(http_client, base_url, ws_connect):
    client = await ws_connect()
    created = await client.request(create_message())
    code, body = await admin(http_client, base_url, f"admin/meets/{created['meetId']}/archive", "POST")
    assert code == 409 and "in use" in body["error"]


@pytest.mark.gen_test
async def test_a_deleted_meet_answers_403_to_its_old_display_key(http_client, base_url, ws_connect):
    created = await created_meet(ws_connect)
    code, body = await admin(http_client, base_url, f"admin/meets/{created['meetId']}", "DELETE")
    assert (code, body["status"]) == (200, "deleted")
    page = await http_client.fetch(f"{base_url}{BASE_URL}meets/{created['meetId']}/?key={created['displayKey']}", raise_error=False)
    assert page.code == 403


@pytest.mark.gen_test
async def test_an_unknown_meet_is_404(http_client, base_url):
    code, body = await admin(http_client, base_url, "admin/meets/123456789", "DELETE")
    assert (code, body) == (404, {"error": "no such meet"})
