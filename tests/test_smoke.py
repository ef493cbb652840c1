import pytest
from support import create_message, join_message


@pytest.mark.gen_test
async def test_create_then_join(ws_connect):
    a = await ws_connect()
    created = await a.request(create_message())
    assert created["msgType"] == "MEET_CREATED"
    b = await ws_connect()
    joined = await b.request(join_message(created["meetId"]))
    assert joined["msgType"] == "MEET_JOINED"
