"""Meets nobody uses are dropped from memory and served again from disk on next use."""

import asyncio
import time

import pytest

from support import create_message, pull_message, update, update_message


@pytest.mark.gen_test
async def test_a_meet_unloaded_while_idle_is_served_again_from_disk(app, ws_connect):
    registry = app.settings["openlifter_registry"]
    client = await ws_connect()
    created = await client.request(create_message())
    await client.request(update_message(created["sessionToken"], update("meet.name", "Open", 1)))
    client.close()
    await asyncio.sleep(0.1)  # the server sees the close
    assert registry.unload_idle(60, now=time.monotonic() + 120) == [created["meetId"]]
    again = await ws_connect()
    pulled = await again.request(pull_message(created["sessionToken"], 0))
    assert [u["updateValue"] for u in pulled["updates"]] == ["Open"]
    acked = await again.request(update_message(created["sessionToken"], update("meet.city", "Oslo", 2, 1)))
    assert acked["updateAcks"] == [{"localSeqNum": 2, "serverSeqNum": 2}]
