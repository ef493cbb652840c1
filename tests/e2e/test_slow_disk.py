"""One meet's stuck disk never stalls another meet, and a failed write loses nothing.

The "stuck disk" is real: the meet's updates.log is replaced by a FIFO with no reader,
so the storage thread's open() blocks until the test opens the other end; the write
then fails (fsync of a FIFO), which is the storage-failure path.
"""

import os

import pytest

from support import create_message, pull_message, update, update_message


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
    assert refused["msgType"] == "UPDATE_REJECTED" and rejection["conflict"] is False
    assert "could not store" in rejection["reason"] and rejection["serverValue"] == "Before"
    assert live.meet.head == 1 and live.meet.state == {"meet": {"name": "Before"}}

    log_path.unlink()  # the disk is back
    log_path.write_bytes(kept)
    again = await stuck_client.request(update_message(stuck["sessionToken"], update("meet.name", "During", 3, 1)))
    assert again["updateAcks"] == [{"localSeqNum": 3, "serverSeqNum": 2}]
    pulled = await stuck_client.request(pull_message(stuck["sessionToken"], 0))
    assert [u["updateValue"] for u in pulled["updates"]] == ["Before", "During"]

