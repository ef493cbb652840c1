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


@pytest.mark.gen_test
async def test_colours_and_a_logo_by_url_style_the_overlay_and_the_scoreboard_with_a_named_theme(http_client, base_url, ws_connect):
    created = await (await ws_connect()).request(create_message())
    for page_kind in ("overlay", "scoreboard"):
        url = (f"{base_url}{BASE_URL}meets/{created['meetId']}/{page_kind}?key={created['displayKey']}&theme=venue"
               "&accent=ff0000&panel=101820&logo=https%3A%2F%2Fcdn.example.org%2Flogo.png")
        response = await http_client.fetch(url)
        page = response.body.decode()
        assert "--accent: #ff0000; --panel: #101820;" in page
        assert 'src="https://cdn.example.org/logo.png"' in page and "data-logo" in page
        assert f'href="{BASE_URL}themes/venue.css?v=' in page  # beside the named theme, not instead of it
        assert "img-src 'self' data: https://cdn.example.org;" in response.headers["Content-Security-Policy"]


@pytest.mark.gen_test
async def test_a_logo_that_could_script_is_left_out_and_the_policy_stays(http_client, base_url, ws_connect):
    created = await (await ws_connect()).request(create_message())
    url = f"{base_url}{BASE_URL}meets/{created['meetId']}/overlay?key={created['displayKey']}&logo=javascript%3Aalert(1)&accent=red"
    response = await http_client.fetch(url)
    page = response.body.decode()
    assert "data-logo" not in page and "javascript:" not in page and "data-theme-colors" not in page
    assert "img-src 'self' data:;" in response.headers["Content-Security-Policy"]
