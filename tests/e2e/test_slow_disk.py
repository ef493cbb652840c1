"""One meet's stuck disk never stalls another meet, and a failed write loses nothing.

The "stuck disk" is real: the meet's updates.log is replaced by a FIFO with no reader,
so the storage thread's open() blocks until the test opens the other end; the write
then fails (fsync of a FIFO), which is the storage-failure path.
"""

import asyncio
import os

import pytest

from openlifter.client import LiveClient
from support import BASE_URL, PASSWORD, create_message, pull_message, update, update_message


@pytest.mark.gen_test(timeout=20)
async def test_a_stuck_meet_does_not_stall_another_and_its_failed_write_is_refused(app, ws_connect):
    registry = app.settings["openlifter_registry"]
    stuck_client, other_client = await ws_connect(), await ws_connect()
    stuck = await stuck_client.request(create_message())
    other = await other_client.request(create_message())
    first = await stuck_client.request(update_message(stuck["sessionToken"], update("meet.name", "Before", 1)))
    assert first["msgType"] == "UPDATE_ACK"

    live = registry.loaded(stuck["meetId"])
    live.files.close()
    log_path = live.files.log_path
    kept = log_path.read_bytes()
    log_path.unlink()
    os.mkfifo(log_path)
    await stuck_client.send(update_message(stuck["sessionToken"], update("meet.name", "During", 2, 1)))

    for i in range(5):  # the other meet is answered while the first one's disk hangs
        acked = await other_client.request(update_message(other["sessionToken"], update("meet.name", i, i + 1)), timeout=2)
        assert acked["updateAcks"][0]["serverSeqNum"] == i + 1
    await stuck_client.expect_silence(0.3)  # no answer before the write is done

    reader = os.open(log_path, os.O_RDONLY | os.O_NONBLOCK)  # unblocks the open; fsync then fails
    try:
        refused = await stuck_client.recv(timeout=5)
    finally:
        os.close(reader)
    [rejection] = refused["updatesRejected"]
    assert refused["msgType"] == "UPDATE_REJECTED" and rejection["conflict"] is False and rejection["retry"] is True
    assert "could not store" in rejection["reason"] and rejection["serverValue"] == "Before"
    assert live.meet.head == 1 and live.meet.state == {"meet": {"name": "Before"}}

    log_path.unlink()  # the disk is back
    log_path.write_bytes(kept)
    again = await stuck_client.request(update_message(stuck["sessionToken"], update("meet.name", "During", 3, 1)))
    assert again["updateAcks"] == [{"localSeqNum": 3, "serverSeqNum": 2}]
    pulled = await stuck_client.request(pull_message(stuck["sessionToken"], 0))
    assert [u["updateValue"] for u in pulled["updates"]] == ["Before", "During"]



@pytest.mark.gen_test(timeout=20)
async def test_an_edit_the_disk_failed_to_store_is_sent_again_by_the_client_and_stored_once(http_server, http_port):
    registry = http_server.application.settings["openlifter_registry"]
    client = await LiveClient.create(f"ws://127.0.0.1:{http_port}{BASE_URL}ws", "Table", PASSWORD, [("Table", 2), ("Weigh-in", 1)])
    await client.edit("meet.name", "Before")
    await client.settle()
    live = registry.loaded(client.session.meet_id)
    live.files.close()
    log_path = live.files.log_path
    kept = log_path.read_bytes()
    log_path.unlink()
    os.mkfifo(log_path)

    await client.edit("meet.name", "During")  # its write blocks on the FIFO, then fails
    reader = os.open(log_path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        while client.session.retries == 0:  # answered: could not store, send it again
            await asyncio.sleep(0.01)
    finally:
        os.close(reader)
    assert [e.value for e in client.session.pending.values()] == ["During"] and not client.session.answers.get(2)
    log_path.unlink()  # the disk is back before the client's first resend (0.5 s)
    log_path.write_bytes(kept)

    await client.settle()
    assert [a.accepted for a in client.session.answers[2]] == [True]
    assert client.session.state == {"meet": {"name": "During"}} and live.meet.head == 2
    assert [e.value for e in live.meet.log] == ["Before", "During"]
    await client.close()
