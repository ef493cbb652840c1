"""SPEC section 3: a damaged file of one meet (its log, auth.json or sessions.json) takes
only that meet out of service, with a warning naming the file; the server and every
other meet start as usual, and a client of the damaged meet gets the reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openlifter.meet.registry import MeetRegistry
from openlifter.protocol import messages
from openlifter.storage.executor import StorageExecutor
from support import PASSWORD, join_message, test_config, update, update_message

pytestmark = [pytest.mark.slow]

DAMAGE = {
    "not JSON": b'{"sessions": [',
    "not UTF-8": b"\xff\xfe{}",
    "nested too deeply": b"[" * 100_000,
    "not an object": b"[]",
    "a field of the wrong kind": b'{"sessions": 5, "endpoints": 5}',
    "a folder in its place": None,
}


async def two_meets(data_dir: Path) -> list[dict[str, str]]:
    """Meets made and stored by the server's own registry, then the registry is gone."""
    io = StorageExecutor(2)
    registry = MeetRegistry(test_config(data_dir), io, messages)
    registry.start()
    meets = []
    for _ in range(2):
        admission = await registry.create_meet("Table", PASSWORD, [("Table", 2), ("Weigh-in", 1)], "10.0.0.1")
        meets.append({"meetId": admission.live.meet_id, "token": admission.token})
    registry.close_files()
    io.shutdown()
    return meets


def damage(path: Path, content: bytes | None) -> None:
    path.unlink()
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)


def warnings_naming(server, file: str) -> list[dict]:
    records = [json.loads(line) for line in server.logs().splitlines() if line.startswith("{")]
    return [r for r in records if r["level"] in ("WARNING", "ERROR") and file in json.dumps(r)]


async def the_other_meet_works(connect, server, meet: dict[str, str]) -> None:
    joined = await (await connect(server)).request(join_message(meet["meetId"]))
    assert joined["msgType"] == "MEET_JOINED"
    ack = await (await connect(server)).request(update_message(meet["token"], update("meet.name", "fine", 1)))
    assert ack["msgType"] == "UPDATE_ACK"


@pytest.mark.gen_test(timeout=30)
@pytest.mark.parametrize("content", DAMAGE.values(), ids=DAMAGE.keys())
async def test_a_damaged_sessions_file_takes_only_its_meet_out_of_service(server_process, connect, tmp_path, content):
    damaged, intact = await two_meets(tmp_path / "data")
    file = f"current-meets/{damaged['meetId']}/sessions.json"
    damage(tmp_path / "data" / file, content)
    server = server_process(data_dir=tmp_path / "data")
    assert warnings_naming(server, file)
    await the_other_meet_works(connect, server, intact)
    refused = await (await connect(server)).request(join_message(damaged["meetId"]))
    assert refused["msgType"] == "JOIN_REJECTED" and "ask the server operator" in refused["reason"]
    assert (tmp_path / "data" / file).is_dir() or (tmp_path / "data" / file).read_bytes() == content  # kept for the operator


@pytest.mark.gen_test(timeout=30)
@pytest.mark.parametrize("content", DAMAGE.values(), ids=DAMAGE.keys())
async def test_a_damaged_auth_file_takes_only_its_meet_out_of_service(server_process, connect, tmp_path, content):
    damaged, intact = await two_meets(tmp_path / "data")
    file = f"current-meets/{damaged['meetId']}/auth.json"
    damage(tmp_path / "data" / file, content)
    server = server_process(data_dir=tmp_path / "data")
    await the_other_meet_works(connect, server, intact)
    refused = await (await connect(server)).request(join_message(damaged["meetId"]))
    assert refused["msgType"] == "JOIN_REJECTED" and "ask the server operator" in refused["reason"]
    by_token = await (await connect(server)).request(update_message(damaged["token"], update("meet.name", "x", 1)))
    assert by_token["msgType"] == "MALFORMED_MESSAGE" and "ask the server operator" in by_token["errMsg"]
    assert warnings_naming(server, file)


@pytest.mark.gen_test(timeout=30)
async def test_a_damaged_log_takes_only_its_meet_out_of_service(server_process, connect, tmp_path):
    damaged, intact = await two_meets(tmp_path / "data")
    file = f"current-meets/{damaged['meetId']}/updates.log"
    (tmp_path / "data" / file).write_bytes(b"{damaged\n" + b'{"serverSeqNum": 1}\n')
    server = server_process(data_dir=tmp_path / "data")
    await the_other_meet_works(connect, server, intact)
    by_token = await (await connect(server)).request(update_message(damaged["token"], update("meet.name", "x", 1)))
    assert by_token["msgType"] == "MALFORMED_MESSAGE" and "damaged" in by_token["errMsg"]
    refused = await (await connect(server)).request(join_message(damaged["meetId"]))
    assert refused["msgType"] == "JOIN_REJECTED" and "damaged" in refused["reason"]
    assert len(warnings_naming(server, file)) == 1  # refused from memory after the first read
