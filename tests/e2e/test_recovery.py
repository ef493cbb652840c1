"""Recovery of lost server state from the clients' canonical logs (real processes)."""

import json

import pytest

from openlifter.client import LiveClient
from support import PASSWORD, connect_url, pull_message

ENDPOINTS = [("Director", 10), ("Platform 1", 5)]


def stored_log(data_dir, meet_id):
    path = data_dir / "current-meets" / meet_id / "updates.log"
    return [json.loads(line) for line in path.read_text().splitlines()]


def cut_log(data_dir, meet_id, keep_lines):
    path = data_dir / "current-meets" / meet_id / "updates.log"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:keep_lines]))


async def meet_with_history(server):
    director = await LiveClient.create(server.ws_url, "Director", PASSWORD, ENDPOINTS)
    platform = await LiveClient.join(server.ws_url, director.session.meet_id, PASSWORD, "Platform 1")
    for i in range(6):
        await director.edit(f"registration.entries[{i}].name", f"Lifter {i}")
    await director.settle()
    for i in range(6):
        await platform.edit(f"registration.entries[{i}].bodyweightKg", 70 + i)
    await platform.settle()
    await director.sync()
    await platform.sync()
    return director, platform


async def stopped_after_history(server_process):
    """A meet with 12 updates from two clients, both offline, the server stopped."""
    server = server_process()
    director, platform = await meet_with_history(server)
    await director.disconnect()
    await platform.disconnect()
    server.terminate()
    return server, director, platform, director.session.meet_id


@pytest.mark.gen_test(timeout=40)
async def test_log_tail_cut_while_stopped_is_restored_from_clients(server_process, tmp_path):
    server, director, platform, meet_id = await stopped_after_history(server_process)
    before = stored_log(server.data_dir, meet_id)
    cut_log(server.data_dir, meet_id, 5)

    server = server_process(data_dir=server.data_dir)
    await director.reconnect(server.ws_url)
    await platform.reconnect(server.ws_url)
    await platform.sync()

    after = stored_log(server.data_dir, meet_id)
    assert [(e["serverSeqNum"], e["updateKey"], e["updateValue"], e["locationName"]) for e in after] == [
        (e["serverSeqNum"], e["updateKey"], e["updateValue"], e["locationName"]) for e in before
    ]
    assert director.session.state == platform.session.state
    assert director.session.rebases == platform.session.rebases == 0
    await director.close()
    await platform.close()


@pytest.mark.gen_test(timeout=40)
async def test_whole_log_lost_is_restored_from_clients(server_process):
    server, director, platform, meet_id = await stopped_after_history(server_process)
    expected_state = director.session.state
    (server.data_dir / "current-meets" / meet_id / "updates.log").unlink()

    server = server_process(data_dir=server.data_dir)
    await platform.reconnect(server.ws_url)
    assert len(stored_log(server.data_dir, meet_id)) == 12
    await director.reconnect(server.ws_url)
    assert director.session.state == expected_state == platform.session.state
    await director.close()
    await platform.close()


def recovery_answer(token, entries):
    return {
        "msgType": "RECOVERY_UPDATES",
        "sessionToken": token,
        "updates": [
            {"serverSeqNum": e.seq, "updateKey": e.key, "updateValue": e.value, "locationName": e.location}
            for e in entries
        ],
    }


@pytest.mark.gen_test(timeout=40)
async def test_recovery_asks_every_connected_updating_client_and_prefers_higher_priority(server_process):
    server, director, platform, meet_id = await stopped_after_history(server_process)
    director_log, platform_log = director.session.canonical, platform.session.canonical[:8]
    platform_log.append(type(platform_log[0])(9, "meet.name", "stale", "Platform 1"))
    cut_log(server.data_dir, meet_id, 0)

    server = server_process(data_dir=server.data_dir)
    raw_director, raw_platform = await connect_url(server.ws_url), await connect_url(server.ws_url)
    pulled = await raw_director.request(pull_message(director.session.token, 0))
    assert pulled["lastServerSeq"] == 0
    await raw_platform.send(pull_message(platform.session.token, 9))
    assert (await raw_platform.recv())["msgType"] == "RECOVERY_REQUEST"
    assert (await raw_director.recv()) == {"msgType": "RECOVERY_REQUEST", "fromServerSeq": 0}
    # The lower priority answers first; the director's answer still ranks first.
    await raw_platform.send(recovery_answer(platform.session.token, platform_log))
    await raw_director.send(recovery_answer(director.session.token, director_log))
    for raw in (raw_director, raw_platform):
        brought = await raw.recv()
        assert brought["msgType"] == "SERVER_PULL" and brought["lastServerSeq"] == 12
    log = stored_log(server.data_dir, meet_id)
    assert [(e["updateKey"], e["updateValue"]) for e in log] == [(e.key, e.value) for e in director_log]
    raw_director.close()
    raw_platform.close()


@pytest.mark.gen_test(timeout=40)
async def test_recovery_entries_naming_unknown_locations_are_ignored(server_process):
    server, director, platform, meet_id = await stopped_after_history(server_process)
    forged = [type(e)(e.seq, e.key, e.value, "Intruder") for e in director.session.canonical]
    cut_log(server.data_dir, meet_id, 0)

    server = server_process("--recovery-wait-seconds", "0.5", data_dir=server.data_dir)
    raw = await connect_url(server.ws_url)
    await raw.send(pull_message(director.session.token, 12))
    assert (await raw.recv())["msgType"] == "RECOVERY_REQUEST"
    await raw.send(recovery_answer(director.session.token, forged))
    assert (await raw.recv())["lastServerSeq"] == 0
    raw.close()


@pytest.mark.gen_test(timeout=40)
async def test_lost_sessions_are_replaced_by_joining_again(server_process):
    server, director, platform, meet_id = await stopped_after_history(server_process)
    (server.data_dir / "current-meets" / meet_id / "sessions.json").unlink()
    cut_log(server.data_dir, meet_id, 3)

    server = server_process(data_dir=server.data_dir)
    await director.reconnect(server.ws_url)
    assert len(stored_log(server.data_dir, meet_id)) == 12
    await platform.reconnect(server.ws_url)
    assert platform.session.state == director.session.state
    await director.close()
    await platform.close()


@pytest.mark.gen_test(timeout=40)
async def test_client_ahead_of_a_server_that_recovered_less_rebases_its_own_edits(server_process):
    server, director, platform, meet_id = await stopped_after_history(server_process)
    cut_log(server.data_dir, meet_id, 6)  # only the director's names survive

    server = server_process("--recovery-wait-seconds", "0.5", data_dir=server.data_dir)
    # The director never saw the platform's entries 7..12 (it forgets them here) and
    # edits on: the server's seqs 7 and 8 are now the director's, not the platform's.
    director.session.canonical = director.session.canonical[:6]
    director.session.state = {"registration": {"entries": [{"name": f"Lifter {i}"} for i in range(6)]}}
    await director.reconnect(server.ws_url)
    await director.edit("meet.name", "Open")
    await director.edit("meet.city", "Oslo")
    await director.settle()
    await platform.reconnect(server.ws_url)  # recovery restores its 9..12; 7 and 8 diverge
    await platform.settle()
    await platform.sync()
    await director.sync()
    assert platform.session.rebases == 1
    assert director.session.state == platform.session.state
    entries = director.session.state["registration"]["entries"]
    assert [e["bodyweightKg"] for e in entries] == [70, 71, 72, 73, 74, 75]
    assert director.session.state["meet"] == {"name": "Open", "city": "Oslo"}
    await director.close()
    await platform.close()


@pytest.mark.gen_test(timeout=40)
async def test_recovery_does_not_wait_for_a_client_that_left(server_process):
    import time

    server, director, platform, meet_id = await stopped_after_history(server_process)
    cut_log(server.data_dir, meet_id, 0)

    server = server_process("--recovery-wait-seconds", "30", data_dir=server.data_dir)
    raw_director, raw_platform = await connect_url(server.ws_url), await connect_url(server.ws_url)
    await raw_platform.request(pull_message(platform.session.token, 0))  # joins the meet's peers
    started = time.monotonic()
    await raw_director.send(pull_message(director.session.token, 12))
    assert (await raw_director.recv())["msgType"] == "RECOVERY_REQUEST"
    assert (await raw_platform.recv())["msgType"] == "RECOVERY_REQUEST"
    raw_platform.close()  # leaves without answering
    await raw_director.send(recovery_answer(director.session.token, director.session.canonical))
    brought = await raw_director.recv(timeout=10)
    assert brought["lastServerSeq"] == 12 and time.monotonic() - started < 10
    raw_director.close()
