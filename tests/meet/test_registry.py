import asyncio
import logging
import statistics
import time

import pytest

from openlifter.meet.registry import MeetRegistry, Rejected
from openlifter.protocol import messages
from openlifter.storage.executor import StorageExecutor
from openlifter.storage.store import LogEntry
from support import PASSWORD, test_config


@pytest.fixture
def io():
    executor = StorageExecutor(2)
    executor.registries = []
    yield executor
    executor.shutdown()
    for registry in executor.registries:
        registry.close_files()


def registry_on(data_dir, io, clock=time.time, **overrides):
    """A registry on ``data_dir``; one already running there stops first (a restart),
    because one process holds a data folder at a time."""
    for running in io.registries:
        running.close_files()
    registry = MeetRegistry(test_config(data_dir, **overrides), io, messages, clock=clock)
    registry.start()
    io.registries.append(registry)
    return registry


@pytest.mark.gen_test
async def test_concurrent_joins_of_an_unloaded_meet_share_one_replay(tmp_path, io):
    first = registry_on(tmp_path, io)
    created = await first.create_meet("Table", PASSWORD, [("Table", 2), ("Weigh-in", 1)], "10.0.0.1")
    second = registry_on(tmp_path, io)
    joins = await asyncio.gather(
        *(second.join_meet(created.live.meet_id, PASSWORD, "Weigh-in", f"10.0.0.{i}") for i in range(5))
    )
    assert second.replays == 1
    assert len({id(j.live) for j in joins}) == 1


@pytest.mark.gen_test
async def test_sessions_survive_a_new_registry(tmp_path, io):
    first = registry_on(tmp_path, io)
    created = await first.create_meet("Table", PASSWORD, [("Table", 2)], "10.0.0.1")
    second = registry_on(tmp_path, io)
    session = second.find_session(created.token)
    assert session is not None and session.location == "Table"


@pytest.mark.gen_test
async def test_expired_session_is_not_found(tmp_path, io):
    clock = [1000.0]
    registry = MeetRegistry(test_config(tmp_path, session_ttl_seconds=60), io, messages, clock=lambda: clock[0])
    registry.start()
    io.registries.append(registry)
    created = await registry.create_meet("Table", PASSWORD, [("Table", 2)], "10.0.0.1")
    clock[0] += 61
    assert registry.find_session(created.token) is None


@pytest.mark.gen_test
async def test_token_is_stored_only_as_a_hash(tmp_path, io):
    registry = registry_on(tmp_path, io)
    created = await registry.create_meet("Table", PASSWORD, [("Table", 2)], "10.0.0.1")
    folder = created.live.files.directory
    for path in folder.iterdir():
        text = path.read_text()
        assert created.token not in text
        assert PASSWORD not in text


@pytest.mark.gen_test
async def test_meet_ids_are_not_reused_after_publish(tmp_path, io):
    registry = registry_on(tmp_path, io)
    created = await registry.create_meet("Table", PASSWORD, [("Table", 2)], "10.0.0.1")
    await registry.publish(created.live, "a,b\n", "md@example.org")
    assert registry.exists(created.live.meet_id)
    fresh = registry_on(tmp_path, io)
    assert fresh.exists(created.live.meet_id)


@pytest.mark.gen_test
async def test_second_publish_is_refused(tmp_path, io):
    registry = registry_on(tmp_path, io)
    created = await registry.create_meet("Table", PASSWORD, [("Table", 2)], "10.0.0.1")
    await registry.publish(created.live, "a,b\n", "md@example.org")
    with pytest.raises(Rejected, match="already"):
        await registry.publish(created.live, "a,b\n", "md@example.org")


@pytest.mark.gen_test
async def test_idle_meet_is_unloaded_and_loads_again_on_next_use(tmp_path, io):
    registry = registry_on(tmp_path, io)
    created = await registry.create_meet("Table", PASSWORD, [("Table", 2)], "10.0.0.1")
    live = created.live
    assert registry.unload_idle(60, now=live.last_active + 30) == []
    assert registry.unload_idle(60, now=live.last_active + 61) == [live.meet_id]
    assert registry.loaded(live.meet_id) is None
    again = await registry.get(live.meet_id)
    assert again is not live and again.auth.display_key == live.auth.display_key


@pytest.mark.gen_test
async def test_meet_with_a_connection_or_a_display_stays_loaded(tmp_path, io):
    registry = registry_on(tmp_path, io)
    created = await registry.create_meet("Table", PASSWORD, [("Table", 2)], "10.0.0.1")
    live = created.live

    class Peer:
        location = "Table"

        def send(self, message):
            pass

    peer = Peer()
    live.attach(peer)
    assert registry.unload_idle(0, now=live.last_active + 10_000) == []
    live.detach(peer)
    registry.in_use.append(lambda meet: meet is live)
    assert registry.unload_idle(0, now=live.last_active + 10_000) == []
    registry.in_use.clear()
    assert registry.unload_idle(0, now=live.last_active + 10_000) == [live.meet_id]


@pytest.mark.gen_test
async def test_a_failed_join_is_logged_with_address_and_meet_id_but_never_the_password(tmp_path, io, caplog):
    registry = registry_on(tmp_path, io)
    created = await registry.create_meet("Table", PASSWORD, [("Table", 2), ("Weigh-in", 1)], "10.0.0.1")
    guess = "a-guessed-password-123"
    with caplog.at_level(logging.WARNING, logger="openlifter.meet.registry"):
        with pytest.raises(Rejected):
            await registry.join_meet(created.live.meet_id, guess, "Weigh-in", "203.0.113.7")
    refused = [r for r in caplog.records if r.getMessage() == "join refused"]
    assert len(refused) == 1
    assert (refused[0].meetId, refused[0].address) == (created.live.meet_id, "203.0.113.7")
    assert guess not in caplog.text and all(guess not in str(v) for v in vars(refused[0]).values())


async def timed_wrong_password_join(registry, meet_id: str, address: str) -> float:
    started = time.perf_counter()
    with pytest.raises(Rejected, match="unknown meet id or wrong password"):
        await registry.join_meet(meet_id, "not the password at all", "Table", address)
    return time.perf_counter() - started


@pytest.mark.gen_test(timeout=60)
async def test_a_wrong_password_costs_the_same_for_an_unknown_id_and_an_unloaded_meet(tmp_path, io):
    creator = registry_on(tmp_path, io, bcrypt_rounds=8)
    meet_ids = []
    for _ in range(5):
        live = (await creator.create_meet("Table", PASSWORD, [("Table", 2)], "10.0.0.1")).live
        big_log = [LogEntry(seq, f"registration.entries[{seq}]", {"name": "x" * 40, "seq": seq}, "Table", 2, seq, 0.0) for seq in range(1, 20_001)]
        await io.run(live.files.append, big_log)  # loading this takes far longer than bcrypt
        meet_ids.append(live.meet_id)
    registry = registry_on(tmp_path, io, bcrypt_rounds=8)  # a restart: nothing is loaded
    unknown, unloaded = [], []
    for index, meet_id in enumerate(meet_ids):
        unknown.append(await timed_wrong_password_join(registry, f"{index:09d}", f"10.0.1.{index}"))
        unloaded.append(await timed_wrong_password_join(registry, meet_id, f"10.0.2.{index}"))
    assert registry.replays == 0 and all(registry.loaded(meet_id) is None for meet_id in meet_ids)
    # Reading the 20,000-entry log would take tenths of a second; a bcrypt check at 8
    # rounds about 15 ms. The bound leaves room for a loaded machine, not for a log load.
    assert statistics.median(unloaded) < 2 * statistics.median(unknown) + 0.02, (unloaded, unknown)


@pytest.mark.gen_test(timeout=60)
async def test_failed_joins_are_limited_from_the_moment_they_arrive(tmp_path, io):
    registry = registry_on(tmp_path, io, join_attempts_per_minute=20)
    created = await registry.create_meet("Table", PASSWORD, [("Table", 2)], "10.0.0.1")
    attempts = [registry.join_meet(created.live.meet_id, f"wrong password {i}", "Table", "10.0.0.9") for i in range(300)]
    outcomes = await asyncio.gather(*attempts, return_exceptions=True)
    reasons = [outcome.reason for outcome in outcomes if isinstance(outcome, Rejected)]
    assert len(reasons) == 300
    assert reasons.count("unknown meet id or wrong password") == 20  # only these reached bcrypt
    assert all("too many failed attempts" in reason for reason in reasons if "wrong password" not in reason)


@pytest.mark.gen_test
async def test_a_right_password_does_not_count_against_its_address(tmp_path, io):
    registry = registry_on(tmp_path, io, join_attempts_per_minute=2)
    created = await registry.create_meet("Table", PASSWORD, [("Table", 2)], "10.0.0.1")
    for _ in range(5):
        await registry.join_meet(created.live.meet_id, PASSWORD, "Table", "10.0.0.9")
    with pytest.raises(Rejected, match="wrong password"):
        await registry.join_meet(created.live.meet_id, "not the password", "Table", "10.0.0.9")


def interrupted_create(data_dir, meet_id="123456789"):
    """A meet folder as a create leaves it when killed before auth.json is written."""
    folder = data_dir / "current-meets" / meet_id
    folder.mkdir(parents=True)
    (folder / "sessions.json").write_text('{"sessions": []}\n')
    (folder / "updates.log").write_bytes(b"")
    return folder


@pytest.mark.gen_test
async def test_a_folder_left_by_an_interrupted_create_does_not_count_toward_max_meets(tmp_path, io):
    folder = interrupted_create(tmp_path)
    registry = registry_on(tmp_path, io, max_meets=1)
    assert not registry.exists("123456789") and not folder.exists()
    created = await registry.create_meet("Table", PASSWORD, [("Table", 2)], "10.0.0.1")
    assert registry.exists(created.live.meet_id)


@pytest.mark.gen_test
async def test_a_folder_with_a_log_but_no_auth_is_not_taken_for_an_interrupted_create(tmp_path, io):
    folder = interrupted_create(tmp_path)
    (folder / "updates.log").write_bytes(b'{"serverSeqNum":1}\n')
    registry = registry_on(tmp_path, io)
    assert folder.exists() and registry.exists("123456789")


@pytest.mark.gen_test
async def test_creates_are_counted_per_address_when_they_arrive(tmp_path, io):
    registry = registry_on(tmp_path, io, creates_per_minute=2)
    results = await asyncio.gather(
        *(registry.create_meet("Table", PASSWORD, [("Table", 2)], "10.0.0.1") for _ in range(4)), return_exceptions=True
    )
    assert sum(isinstance(r, Rejected) for r in results) == 2
    assert all("creates_per_minute" in r.reason for r in results if isinstance(r, Rejected))
    other = await registry.create_meet("Table", PASSWORD, [("Table", 2)], "10.0.0.2")
    assert registry.exists(other.live.meet_id)


@pytest.mark.gen_test
async def test_the_create_limit_frees_up_after_a_minute(tmp_path, io):
    now = [1000.0]
    registry = registry_on(tmp_path, io, clock=lambda: now[0], creates_per_minute=1)
    await registry.create_meet("Table", PASSWORD, [("Table", 2)], "10.0.0.1")
    with pytest.raises(Rejected):
        await registry.create_meet("Table", PASSWORD, [("Table", 2)], "10.0.0.1")
    now[0] += 61
    await registry.create_meet("Table", PASSWORD, [("Table", 2)], "10.0.0.1")


@pytest.mark.gen_test(timeout=60)
async def test_password_checks_beyond_the_pending_limit_are_refused_as_busy(tmp_path, io):
    registry = registry_on(tmp_path, io, max_pending_password_checks=5, join_attempts_per_minute=1)
    created = await registry.create_meet("Table", PASSWORD, [("Table", 2)], "10.0.0.1")
    attempts = [registry.join_meet(created.live.meet_id, "wrong password", "Table", f"10.0.3.{i}") for i in range(40)]
    reasons = [outcome.reason for outcome in await asyncio.gather(*attempts, return_exceptions=True)]
    busy = "the server is busy checking passwords; try again in a moment (max_pending_password_checks)"
    assert reasons.count("unknown meet id or wrong password") == 5 and reasons.count(busy) == 35
    again = reasons.index(busy)  # a busy refusal was not a failed attempt of its address
    with pytest.raises(Rejected, match="wrong password"):
        await registry.join_meet(created.live.meet_id, "wrong password", "Table", f"10.0.3.{again}")
