"""First contact: a wrong display key and an unknown address get pages that say what to
check (not a bare status), and the JSON API answers refusals in JSON."""

import json

import pytest

from support import BASE_URL, create_message


@pytest.mark.gen_test
async def test_a_wrong_display_key_gets_a_page_that_says_what_to_check(http_client, base_url, ws_connect):
    created = await (await ws_connect()).request(create_message())
    response = await http_client.fetch(f"{base_url}{BASE_URL}meets/{created['meetId']}/overlay?key=wrong", raise_error=False)
    assert response.code == 403
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.body.decode()
    assert "This display link is not valid" in page and "What to check" in page and "?key=" in page
    assert created["displayKey"] not in page


@pytest.mark.gen_test
async def test_an_unknown_address_gets_a_page_with_a_way_back(http_client, base_url):
    response = await http_client.fetch(f"{base_url}{BASE_URL}no/such/page", raise_error=False)
    assert response.code == 404
    page = response.body.decode()
    assert "Page not found" in page and f'href="{BASE_URL}"' in page and "base_url" in page


@pytest.mark.gen_test
async def test_the_json_api_refuses_in_json(http_client, base_url):
    response = await http_client.fetch(f"{base_url}{BASE_URL}meets/123456789/api/state?key=wrong", raise_error=False)
    assert response.code == 403
    assert json.loads(response.body) == {"error": "Forbidden", "status": 403}
