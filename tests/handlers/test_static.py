"""/static/...: a file named with its content hash is kept; one without is checked each time."""

from __future__ import annotations

import pytest

from support import BASE_URL


@pytest.mark.gen_test
async def test_a_static_file_without_its_hash_is_checked_with_the_server_on_every_use(http_client, base_url):
    """A module's own imports carry no ?v=: after a deploy the page must get the new one."""
    response = await http_client.fetch(f"{base_url}{BASE_URL}static/js/console/common.js")
    assert response.headers["Cache-Control"] == "no-cache"


@pytest.mark.gen_test
async def test_a_static_file_with_its_hash_may_be_kept(http_client, base_url):
    response = await http_client.fetch(f"{base_url}{BASE_URL}static/js/console/common.js?v=anything")
    assert response.headers["Cache-Control"].startswith("max-age=")
