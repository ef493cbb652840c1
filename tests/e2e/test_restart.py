"""What survives a restart of the real server process (SPEC sections 2, 3 and 5).

Each test runs ``python -m openlifter`` in a subprocess on its own data folder, stops it
(SIGTERM, or SIGKILL where the point is that nothing relies on a clean stop), starts it
again on the same folder and checks what clients see.
"""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path
from typing import Any

import pytest

from support import Client, ServerProcess, create_message, join_message, pull_message, update, update_message

pytestmark = [pytest.mark.slow]

STOPS = pytest.mark.parametrize("stop", ["terminate", "kill"], ids=["after-SIGTERM", "after-SIGKILL"])


async def seed_meet(connect, server: ServerProcess, updates: int = 3) -> dict[str, Any]:
    """A meet with a creator and a joiner and ``updates`` accepted updates."""
    creator = await connect(server)
    created = await creator.request(create_message())
    joiner = await connect(server)
    joined = await joiner.request(join_message(created["meetId"]))
    acks = await creator.request(update_message(created["sessionToken"], *(update(f"k{i}", f"v{i}", i) for i in range(1, updates + 1))))
    assert acks["msgType"] == "UPDATE_ACK"
    return {"created": created, "joined": joined, "acks": acks["updateAcks"], "clients": (creator, joiner)}


def stop_server(server: ServerProcess, stop: str) -> None:
    getattr(server, stop)()


async def pull_everything(client: Client, token: str) -> tuple[list[dict[str, Any]], int]:
    updates: list[dict[str, Any]] = []
    last = 0
    while True:
        page = await client.request(pull_message(token, last))
        assert page["msgType"] == "SERVER_PULL", page
        updates += page["updates"]
        last = updates[-1]["serverSeqNum"] if updates else 0
        if not page["more"]:
            return updates, page["lastServerSeq"]


def log_path(server: ServerProcess, meet_id: str) -> Path:
    return server.data_dir / "current-meets" / meet_id / "updates.log"


def log_records(server: ServerProcess, name: str) -> list[dict[str, Any]]:
    records = []
    for line in server.logs().splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if name in record.get("message", ""):
            records.append(record)
    return records


# ---- what a restart keeps --------------------------------------------------------------


@pytest.mark.gen_test(timeout=30)
@STOPS
async def test_an_old_token_still_pulls_the_whole_log_after_a_restart(server_process, connect, stop):
    server = server_process()
    meet = await seed_meet(connect, server)
    stop_server(server, stop)
    again = server_process(data_dir=server.data_dir)
    client = await connect(again)
    pulled, head = await pull_everything(client, meet["joined"]["sessionToken"])
    assert head == 3
    assert [(u["serverSeqNum"], u["updateKey"], u["updateValue"], u["locationName"]) for u in pulled] == [
        (i, f"k{i}", f"v{i}", "Table") for i in (1, 2, 3)
    ]


@pytest.mark.gen_test(timeout=30)
@STOPS
async def test_the_password_still_joins_after_a_restart_with_the_same_display_key(server_process, connect, stop):
    server = server_process()
    meet = await seed_meet(connect, server)
    stop_server(server, stop)
    again = server_process(data_dir=server.data_dir)
    client = await connect(again)
    joined = await client.request(join_message(meet["created"]["meetId"], location="Table"))
    assert joined["msgType"] == "MEET_JOINED"
    assert joined["displayKey"] == meet["created"]["displayKey"]
    assert joined["lastServerSeq"] == 3
    wrong = await (await connect(again)).request(join_message(meet["created"]["meetId"], password="not the password"))
    assert wrong["msgType"] == "JOIN_REJECTED"


@pytest.mark.gen_test(timeout=30)
async def test_seq_nums_continue_after_a_restart(server_process, connect):
    server = server_process()
    meet = await seed_meet(connect, server)
    stop_server(server, "kill")
    again = server_process(data_dir=server.data_dir)
    sender, listener = await connect(again), await connect(again)
    await listener.request(pull_message(meet["joined"]["sessionToken"], 3))  # the listener is back in the meet
    ack = await sender.request(update_message(meet["created"]["sessionToken"], update("k4", "v4", 4, after=3)))
    assert ack["updateAcks"] == [{"localSeqNum": 4, "serverSeqNum": 4}]
    assert [u["serverSeqNum"] for u in (await listener.recv())["updatesRelayed"]] == [4]


@pytest.mark.gen_test(timeout=30)
async def test_a_batch_resent_after_a_restart_is_acked_with_its_original_seqs(server_process, connect):
    server = server_process()
    meet = await seed_meet(connect, server)
    stop_server(server, "kill")
    again = server_process(data_dir=server.data_dir)
    client = await connect(again)
    token = meet["created"]["sessionToken"]
    resent = await client.request(update_message(token, update("k2", "v2", 2), update("k3", "v3", 3), update("k4", "v4", 4, after=3)))
    assert resent["updateAcks"] == meet["acks"][1:] + [{"localSeqNum": 4, "serverSeqNum": 4}]
    _, head = await pull_everything(client, token)
    assert head == 4


# ---- a damaged log ---------------------------------------------------------------------


TAILS = {
    "half a line (torn write)": b'{"serverSeqNum":4,"updateKey":"k4","updateVa',
    "a whole line that is not JSON": b'{"serverSeqNum":4,"updateKey":\x00garbage}\n',
    "a line with the wrong seq": b'{"serverSeqNum":9,"updateKey":"k9","updateValue":1,"locationName":"Table","priority":2,"localSeqNum":9,"receivedAt":0}\n',
}


@pytest.mark.gen_test(timeout=30)
@pytest.mark.parametrize("tail", TAILS.values(), ids=TAILS.keys())
async def test_a_damaged_last_line_of_the_log_is_cut_at_start_with_a_warning(server_process, connect, tail):
    server = server_process()
    meet = await seed_meet(connect, server)
    meet_id = meet["created"]["meetId"]
    stop_server(server, "terminate")
    path = log_path(server, meet_id)
    intact = path.read_bytes()
    path.write_bytes(intact + tail)

    again = server_process(data_dir=server.data_dir)
    client = await connect(again)
    pulled, head = await pull_everything(client, meet["joined"]["sessionToken"])
    assert head == 3 and [u["updateKey"] for u in pulled] == ["k1", "k2", "k3"]
    warnings = log_records(again, "cutting torn or corrupt last line")
    assert [(w["level"], w["meetId"], w["line"]) for w in warnings] == [("WARNING", meet_id, 4)]
    assert path.read_bytes() == intact

    ack = await client.request(update_message(meet["created"]["sessionToken"], update("k4", "v4", 4, after=3)))
    assert ack["updateAcks"] == [{"localSeqNum": 4, "serverSeqNum": 4}]
    lines = path.read_bytes().decode().splitlines()
    assert [json.loads(line)["serverSeqNum"] for line in lines] == [1, 2, 3, 4]


@pytest.mark.gen_test(timeout=30)
async def test_damage_before_the_last_line_refuses_the_meet_and_keeps_the_file(server_process, connect):
    server = server_process()
    meet = await seed_meet(connect, server)
    meet_id = meet["created"]["meetId"]
    stop_server(server, "terminate")
    path = log_path(server, meet_id)
    lines = path.read_bytes().split(b"\n")
    lines[1] = b"{damaged"
    damaged = b"\n".join(lines)
    path.write_bytes(damaged)

    again = server_process(data_dir=server.data_dir)
    refused = await (await connect(again)).request(join_message(meet_id))
    assert refused["msgType"] == "JOIN_REJECTED"
    assert "damaged" in refused["reason"]
    assert path.read_bytes() == damaged  # acknowledged updates are never cut away
    other = await (await connect(again)).request(create_message())
    assert other["msgType"] == "MEET_CREATED"  # the server itself carries on


# ---- graceful shutdown -----------------------------------------------------------------


async def exit_code(server: ServerProcess, timeout: float = 10.0) -> int:
    """Wait, without blocking the IOLoop, for the process to end by itself."""
    assert server.proc is not None
    for _ in range(int(timeout / 0.02)):
        if server.proc.poll() is not None:
            break
        await asyncio.sleep(0.02)
    return server.terminate()  # signals nothing once it has exited; closes its log file


@pytest.mark.gen_test(timeout=30)
async def test_sigterm_closes_every_client_with_1001_and_exits_0(server_process, connect):
    server = server_process()
    meet = await seed_meet(connect, server)
    idle = await connect(server)  # a socket that never joined a meet
    assert server.proc is not None
    server.proc.send_signal(signal.SIGTERM)
    for client in (*meet["clients"], idle):
        while await asyncio.wait_for(client.conn.read_message(), 5) is not None:
            pass  # frames sent before the shutdown (the joiner has a relay waiting)
        assert client.conn.close_code == 1001
    assert await exit_code(server) == 0
    assert log_records(server, "stopped")


@pytest.mark.gen_test(timeout=30)
async def test_updates_acknowledged_before_sigterm_are_there_after_restart(server_process, connect):
    server = server_process()
    meet = await seed_meet(connect, server, updates=50)
    assert server.proc is not None
    server.proc.send_signal(signal.SIGTERM)
    assert await exit_code(server) == 0
    again = server_process(data_dir=server.data_dir)
    pulled, head = await pull_everything(await connect(again), meet["created"]["sessionToken"])
    assert head == 50 and [u["serverSeqNum"] for u in pulled] == list(range(1, 51))
