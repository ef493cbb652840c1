"""Theme files are served from themes_dir by name only, and a page links the theme it
names when that file exists."""

import pytest

from support import BASE_URL, create_message


@pytest.fixture
def themes(tmp_path):
    folder = tmp_path / "themes"
    folder.mkdir()
    (folder / "venue.css").write_text("body { color: red; }\n")
    (tmp_path / "secret.css").write_text("not for the web\n")
    return folder


@pytest.fixture
def config_overrides(themes):
    return {"themes_dir": str(themes)}


@pytest.mark.gen_test
async def test_a_page_links_an_existing_theme_and_its_live_feed(http_client, base_url, ws_connect):
    created = await (await ws_connect()).request(create_message())
    page = (await http_client.fetch(f"{base_url}{BASE_URL}meets/{created['meetId']}/overlay?key={created['displayKey']}&theme=venue")).body.decode()
    assert f'href="{BASE_URL}themes/venue.css?v=' in page and f'data-feed="{BASE_URL}themes/feed?name=venue"' in page
    css = await http_client.fetch(f"{base_url}{BASE_URL}themes/venue.css")
    assert css.body == b"body { color: red; }\n"


@pytest.mark.gen_test
async def test_an_unknown_theme_leaves_the_page_as_it_is(http_client, base_url, ws_connect):
    created = await (await ws_connect()).request(create_message())
    page = (await http_client.fetch(f"{base_url}{BASE_URL}meets/{created['meetId']}/overlay?key={created['displayKey']}&theme=nope")).body.decode()
    assert "theme-css" not in page


@pytest.mark.gen_test
async def test_nothing_outside_the_themes_folder_is_served(http_client, base_url):
    for path in ("themes/..%2Fsecret.css", "themes/../secret.css", "themes/secret.txt"):
        response = await http_client.fetch(f"{base_url}{BASE_URL}{path}", raise_error=False)
        assert response.code in (403, 404) and b"not for the web" not in response.body
