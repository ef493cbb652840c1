"""/meets/<meetId>/ws (SPEC section 8): the same protocol for one meet, so that a proxy
can route by meet id; a frame for another meet is refused."""

from __future__ import annotations

import pytest

from openlifter.meet import errors
from support import create_message, join_message, update, update_message


async def created(ws_connect) -> tuple[str, str]:
    creator = await ws_connect()
    reply = await creator.request(create_message())
    return reply["meetId"], reply["sessionToken"]


@pytest.mark.gen_test
async def test_a_meet_is_joined_and_updated_on_its_own_address(ws_connect) -> None:
    meet_id, _ = await created(ws_connect)
    client = await ws_connect(f"meets/{meet_id}/ws")

    joined = await client.request(join_message(meet_id))
    acked = await client.request(update_message(joined["sessionToken"], update("meet.name", "Open", 1)))

    assert joined["msgType"] == "MEET_JOINED"
    assert acked == {"msgType": "UPDATE_ACK", "updateAcks": [{"localSeqNum": 1, "serverSeqNum": 1}]}


@pytest.mark.gen_test
async def test_a_meet_address_accepts_the_id_as_people_write_it(ws_connect) -> None:
    meet_id, _ = await created(ws_connect)
    client = await ws_connect(f"meets/{meet_id[:3]}-{meet_id[3:6]}-{meet_id[6:]}/ws")
    assert (await client.request(join_message(meet_id)))["msgType"] == "MEET_JOINED"


@pytest.mark.gen_test
async def test_creating_a_meet_on_a_meet_address_is_refused(ws_connect) -> None:
    meet_id, _ = await created(ws_connect)
    client = await ws_connect(f"meets/{meet_id}/ws")
    assert await client.request(create_message()) == {"msgType": "CREATE_REJECTED", "reason": errors.CREATE_ON_MEET_ROUTE}


@pytest.mark.gen_test
async def test_joining_another_meet_on_a_meet_address_is_refused(ws_connect) -> None:
    first, _ = await created(ws_connect)
    second, _ = await created(ws_connect)
    client = await ws_connect(f"meets/{first}/ws")
    assert await client.request(join_message(second)) == {"msgType": "JOIN_REJECTED", "reason": errors.FRAME_FOR_ANOTHER_MEET}


@pytest.mark.gen_test
async def test_a_session_of_another_meet_is_refused_on_a_meet_address(ws_connect) -> None:
    first, _ = await created(ws_connect)
    _, other_token = await created(ws_connect)
    client = await ws_connect(f"meets/{first}/ws")

    reply = await client.request(update_message(other_token, update("meet.name", "x", 1)))

    assert reply["msgType"] == "MALFORMED_MESSAGE" and reply["errMsg"] == errors.FRAME_FOR_ANOTHER_MEET
    assert (await client.request(join_message(first)))["msgType"] == "MEET_JOINED"  # the socket stays open
