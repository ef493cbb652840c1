"""The redis store (SPEC section 8) against a real redis-server: fenced appends, the
start-up check, unique ids and counts shared by every process."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterator

import pytest
import redis

from openlifter.storage.files import DamagedFile, StorageError
from openlifter.storage.redisstore import RedisMeetStore
from openlifter.storage.store import Fenced, OwnedElsewhere
from openlifter.storage.store import LogEntry, Place
from support import RedisServer

AUTH = {"meetId": "123456789", "passwordHash": "x", "endpoints": [["Table", 1]], "displayKey": "k", "createdAt": 1.0}


def entry(seq: int, key: str = "a", value: object = 1) -> LogEntry:
    return LogEntry(seq, key, value, "Table", 1, seq, 1000.0 + seq)


@pytest.fixture
def url(redis_server: RedisServer) -> str:
    redis_server.flush()
    return redis_server.url


LEASE_SECONDS = 0.3


def wait_for_the_lease_to_run_out() -> None:
    time.sleep(LEASE_SECONDS + 0.1)


@pytest.fixture
def stores(url: str) -> Iterator[list[RedisMeetStore]]:
    """Two stores on one Redis, as two server processes would hold them."""
    made = [RedisMeetStore(url, LEASE_SECONDS, "ws://first:8081/"), RedisMeetStore(url, LEASE_SECONDS, "ws://second:8082/")]
    for store in made:
        store.open("test")
    yield made
    for store in made:
        store.close()


def test_an_appended_group_is_read_back_in_order_by_another_process(stores: list[RedisMeetStore]) -> None:
    first, second = stores
    first.records("123456789", Place.CURRENT).create(AUTH)
    first.records("123456789", Place.CURRENT).append([entry(1), entry(2, "b", {"x": [1, None]})])
    first.records("123456789", Place.CURRENT).append([entry(3)])
    wait_for_the_lease_to_run_out()

    replay = second.records("123456789", Place.CURRENT).replay()

    assert replay.entries == [entry(1), entry(2, "b", {"x": [1, None]}), entry(3)]
    assert second.records("123456789", Place.CURRENT).read_auth() == AUTH


def test_a_group_commit_is_one_script_call(stores: list[RedisMeetStore], url: str) -> None:
    first, _ = stores
    records = first.records("123456789", Place.CURRENT)
    records.create(AUTH)
    with redis.Redis.from_url(url) as client:
        client.config_resetstat()
        records.append([entry(seq) for seq in range(1, 51)])
        calls = client.info("commandstats")
    assert sum(stats["calls"] for name, stats in calls.items() if name.startswith(("cmdstat_evalsha", "cmdstat_eval"))) == 1
    assert len(first.records("123456789", Place.CURRENT).replay().entries) == 50


def test_a_process_whose_meet_was_taken_is_fenced_and_stores_nothing(stores: list[RedisMeetStore]) -> None:
    old_owner, new_owner = stores
    old_owner.records("123456789", Place.CURRENT).create(AUTH)
    old_owner.records("123456789", Place.CURRENT).append([entry(1)])
    wait_for_the_lease_to_run_out()  # the old owner was paused past its lease
    new_owner.records("123456789", Place.CURRENT).replay()  # takes the meet: a new epoch

    with pytest.raises(Fenced, match="stale"):
        old_owner.records("123456789", Place.CURRENT).append([entry(2, "old")])
    new_owner.records("123456789", Place.CURRENT).append([entry(2, "new")])

    assert [e.key for e in new_owner.records("123456789", Place.CURRENT).replay().entries] == ["a", "new"]


def test_a_fenced_process_stays_fenced_until_it_takes_the_meet_again(stores: list[RedisMeetStore]) -> None:
    old_owner, new_owner = stores
    old_owner.records("123456789", Place.CURRENT).create(AUTH)
    wait_for_the_lease_to_run_out()
    new_owner.records("123456789", Place.CURRENT).replay()
    with pytest.raises(Fenced):
        old_owner.records("123456789", Place.CURRENT).append([entry(1)])

    with pytest.raises(Fenced, match="does not hold"):
        old_owner.records("123456789", Place.CURRENT).append([entry(1)])


def test_a_process_whose_meet_was_taken_cannot_overwrite_its_sessions(stores: list[RedisMeetStore]) -> None:
    old_owner, new_owner = stores
    old_owner.records("123456789", Place.CURRENT).create(AUTH)
    wait_for_the_lease_to_run_out()
    new_owner.records("123456789", Place.CURRENT).replay()
    new_owner.records("123456789", Place.CURRENT).write_sessions([{"tokenHash": "new"}])

    with pytest.raises(Fenced, match="stale"):
        old_owner.records("123456789", Place.CURRENT).write_sessions([{"tokenHash": "old"}])
    assert new_owner.records("123456789", Place.CURRENT).read_sessions() == [{"tokenHash": "new"}]


def test_a_meet_under_another_process_lease_is_not_taken(stores: list[RedisMeetStore]) -> None:
    owner, other = stores
    owner.records("123456789", Place.CURRENT).create(AUTH)
    with pytest.raises(OwnedElsewhere, match="another process"):
        other.records("123456789", Place.CURRENT).replay()
    owner.records("123456789", Place.CURRENT).append([entry(1)])  # the owner goes on


def test_a_renewed_lease_keeps_the_meet(stores: list[RedisMeetStore]) -> None:
    owner, other = stores
    owner.records("123456789", Place.CURRENT).create(AUTH)
    for _ in range(6):  # twice the lease, renewed every third of it
        time.sleep(LEASE_SECONDS / 3)
        assert owner.renew("123456789")
    with pytest.raises(OwnedElsewhere):
        other.records("123456789", Place.CURRENT).replay()


def test_a_process_whose_meet_was_taken_cannot_renew_it(stores: list[RedisMeetStore]) -> None:
    old_owner, new_owner = stores
    old_owner.records("123456789", Place.CURRENT).create(AUTH)
    wait_for_the_lease_to_run_out()
    new_owner.records("123456789", Place.CURRENT).replay()

    assert not old_owner.renew("123456789")
    assert old_owner.holding("123456789") is None
    assert new_owner.renew("123456789")


def test_the_owner_of_a_running_lease_is_found_by_the_other_processes(stores: list[RedisMeetStore]) -> None:
    owner, other = stores
    owner.records("123456789", Place.CURRENT).create(AUTH)

    assert other.owner_address("123456789") == "ws://first:8081/"
    assert owner.owner_address("123456789") is None  # held here
    wait_for_the_lease_to_run_out()
    assert other.owner_address("123456789") is None  # nobody holds it now: take it


def test_an_append_after_an_unexpected_head_is_refused(stores: list[RedisMeetStore], url: str) -> None:
    store, _ = stores
    records = store.records("123456789", Place.CURRENT)
    records.create(AUTH)
    records.append([entry(1)])
    with redis.Redis.from_url(url) as client:  # a write this process did not make
        client.hset(store.key("meet", "123456789"), "head", 5)

    with pytest.raises(Fenced, match="head is 5, not 1"):
        records.append([entry(2)])


def test_entries_that_do_not_follow_the_head_are_refused_before_redis(stores: list[RedisMeetStore]) -> None:
    store, _ = stores
    records = store.records("123456789", Place.CURRENT)
    records.create(AUTH)
    with pytest.raises(StorageError, match="do not follow the stored head 0"):
        records.append([entry(2)])
    assert records.replay().entries == []


def test_a_meet_id_is_handed_out_once_across_processes(stores: list[RedisMeetStore]) -> None:
    first, second = stores
    first.records("123456789", Place.CURRENT).create(AUTH)
    assert second.is_taken("123456789")
    with pytest.raises(StorageError, match="already used"):
        second.records("123456789", Place.CURRENT).create(AUTH)


def test_meet_counts_and_places_are_shared(stores: list[RedisMeetStore]) -> None:
    first, second = stores
    first.records("111111111", Place.CURRENT).create(AUTH)
    first.records("222222222", Place.CURRENT).create(AUTH)
    first.move("222222222", Place.CURRENT, Place.FINISHED)

    assert second.count(Place.CURRENT) == 1
    assert second.meet_ids(Place.CURRENT) == ["111111111"]
    assert second.meet_ids(Place.FINISHED) == ["222222222"]


def test_a_removed_meet_keeps_its_id_taken(stores: list[RedisMeetStore]) -> None:
    store, _ = stores
    store.records("123456789", Place.CURRENT).create(AUTH)
    store.remove("123456789", Place.CURRENT)
    assert store.meet_ids(Place.CURRENT) == []
    assert store.is_taken("123456789")


def test_sessions_are_kept_in_redis(stores: list[RedisMeetStore]) -> None:
    first, second = stores
    first.records("123456789", Place.CURRENT).create(AUTH)
    assert second.records("123456789", Place.CURRENT).read_sessions() == []
    first.records("123456789", Place.CURRENT).write_sessions([{"tokenHash": "h", "location": "Table"}])
    assert second.records("123456789", Place.CURRENT).read_sessions() == [{"tokenHash": "h", "location": "Table"}]


def test_a_damaged_log_entry_is_reported_with_its_place(stores: list[RedisMeetStore], url: str) -> None:
    store, _ = stores
    store.records("123456789", Place.CURRENT).create(AUTH)
    with redis.Redis.from_url(url) as client:
        client.xadd(store.key("meet", "123456789", "log"), {"entry": "{not json"}, id="1-0")
        client.hset(store.key("meet", "123456789"), "head", 1)
    with pytest.raises(DamagedFile, match="1-0 is damaged"):
        store.records("123456789", Place.CURRENT).replay()


@pytest.mark.parametrize(
    "setting, value, reason",
    [
        ("appendfsync", "everysec", "appendfsync is 'everysec'; the redis store needs appendfsync always"),
        ("maxmemory-policy", "allkeys-lru", "maxmemory-policy is 'allkeys-lru'; the redis store needs maxmemory-policy noeviction"),
        ("appendonly", "no", "appendonly is 'no'; the redis store needs appendonly yes"),
    ],
)
def test_a_redis_that_could_lose_acknowledged_updates_is_refused_with_the_reason(tmp_path: Path, setting: str, value: str, reason: str) -> None:
    unsafe = RedisServer(tmp_path / "redis", f"--{setting}", value)
    try:
        store = RedisMeetStore(unsafe.url)
        with pytest.raises(StorageError) as refusal:
            store.open("test")
        assert reason in str(refusal.value)
        store.close()
    finally:
        unsafe.stop()


def test_an_unreachable_redis_is_a_storage_error_without_the_url(tmp_path: Path) -> None:
    from support import free_port

    store = RedisMeetStore(f"redis://:secret-password@127.0.0.1:{free_port()}/0")
    with pytest.raises(StorageError) as refusal:
        store.open("test")
    assert "unreachable" in str(refusal.value)
    assert "secret-password" not in str(refusal.value)
