"""Finished and archived meets out of Redis memory (storage/redisarchive.py), against a
real redis-server: written to files in the file store's layout, dropped from Redis, still
readable by every process, and never lost by a crash in between."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Iterator

import pytest
import redis

from openlifter.storage.filestore import FileMeetStore
from openlifter.storage.redisstore import RedisMeetStore
from openlifter.storage.store import LogEntry, OwnedElsewhere, Place
from support import RedisServer

MEET = "123456789"
AUTH = {"meetId": MEET, "passwordHash": "x", "endpoints": [["Table", 1]], "displayKey": "k", "createdAt": 1.0}
SESSIONS = [{"tokenHash": "h" * 64, "locationName": "Table", "createdAt": 1.0, "expiresAt": 2e9}]
LEASE_SECONDS = 0.3
UPDATES = 300


def entry(seq: int) -> LogEntry:
    return LogEntry(seq, f"registration.entries[{seq}].name", f"Lifter number {seq} " + "x" * 100, "Table", 1, seq, 1000.0 + seq)


@pytest.fixture
def client(redis_server: RedisServer) -> Iterator[redis.Redis]:
    redis_server.flush()
    with redis.Redis.from_url(redis_server.url) as connection:
        yield connection


@pytest.fixture
def archive_root(tmp_path: Path) -> Path:
    return tmp_path / "shared"  # one folder every process reads (NFS across hosts)


def opened(url: str, archive_root: Path, address: str) -> RedisMeetStore:
    store = RedisMeetStore(url, LEASE_SECONDS, address, archive_root=archive_root)
    store.open("test")
    return store


@pytest.fixture
def stores(redis_server: RedisServer, client: redis.Redis, archive_root: Path) -> Iterator[list[RedisMeetStore]]:
    """Two stores on one Redis and one archive folder, as two server processes hold them."""
    made = [opened(redis_server.url, archive_root, "ws://first:8081/"), opened(redis_server.url, archive_root, "ws://second:8082/")]
    yield made
    for store in made:
        store.close()


def created_with_updates(store: RedisMeetStore) -> None:
    records = store.records(MEET, Place.CURRENT)
    records.create(AUTH)
    records.write_sessions(SESSIONS)
    records.append([entry(seq) for seq in range(1, UPDATES + 1)])


def published(store: RedisMeetStore) -> None:
    created_with_updates(store)
    store.records(MEET, Place.CURRENT).write_publication("Place,Name\n1,A\n", "director@example.org")
    store.move(MEET, Place.CURRENT, Place.FINISHED)


def memory_of_meet(client: redis.Redis) -> int:
    """Bytes Redis spends on the meet's own keys (MEMORY USAGE, every value sampled)."""
    keys = [f"openlifter:meet:{MEET}", f"openlifter:meet:{MEET}:log"]
    return sum(client.memory_usage(key, samples=0) or 0 for key in keys)


def test_a_published_meet_leaves_a_few_hundred_bytes_in_redis(stores: list[RedisMeetStore], client: redis.Redis) -> None:
    first, _ = stores
    created_with_updates(first)
    before = memory_of_meet(client)
    first.records(MEET, Place.CURRENT).write_publication("Place,Name\n1,A\n", "director@example.org")

    first.move(MEET, Place.CURRENT, Place.FINISHED)

    after = memory_of_meet(client)
    assert before > 40_000  # the log: 300 updates
    assert after < 1_500, after  # auth, sessions, lease and head
    assert not client.exists(f"openlifter:meet:{MEET}:log")


def test_a_published_meet_is_written_in_the_file_store_layout(stores: list[RedisMeetStore], archive_root: Path) -> None:
    first, _ = stores
    published(first)

    folder = archive_root / "finished-meets" / MEET
    assert (folder / "opl.csv").read_text() == "Place,Name\n1,A\n"
    assert (folder / "email.txt").read_text() == "director@example.org\n"
    files = FileMeetStore(archive_root)  # what openlifter-meets and the file store read
    assert files.meet_ids(Place.FINISHED) == [MEET]
    assert files.records(MEET, Place.FINISHED).replay().entries == [entry(seq) for seq in range(1, UPDATES + 1)]
    assert files.records(MEET, Place.FINISHED).read_auth() == AUTH
    assert files.records(MEET, Place.FINISHED).read_sessions() == SESSIONS


def test_another_process_serves_a_published_meet_from_its_folder(stores: list[RedisMeetStore]) -> None:
    first, second = stores
    published(first)
    time.sleep(LEASE_SECONDS + 0.1)  # the first process stopped serving it

    records = second.records(MEET, Place.FINISHED)

    assert records.replay().entries == [entry(seq) for seq in range(1, UPDATES + 1)]
    assert records.read_auth() == AUTH
    assert records.read_sessions() == SESSIONS
    assert second.place_of(MEET) is Place.FINISHED and second.is_taken(MEET)
    assert second.count(Place.FINISHED) == 1


def test_sessions_of_a_published_meet_are_still_written_in_redis(stores: list[RedisMeetStore]) -> None:
    first, second = stores
    published(first)
    more = [*SESSIONS, {**SESSIONS[0], "tokenHash": "j" * 64}]

    first.records(MEET, Place.FINISHED).write_sessions(more)

    assert second.records(MEET, Place.FINISHED).read_sessions() == more


def test_a_crash_before_the_files_leaves_the_meet_in_redis_and_the_next_start_writes_them(
    stores: list[RedisMeetStore], client: redis.Redis, redis_server: RedisServer, archive_root: Path
) -> None:
    first, _ = stores
    created_with_updates(first)
    # What a crash right after the move leaves: finished, its log still in Redis, and a
    # half-written folder of an earlier attempt.
    client.smove("openlifter:place:current-meets", "openlifter:place:finished-meets", MEET)
    leftover = archive_root / "finished-meets" / MEET
    leftover.mkdir(parents=True)
    (leftover / "updates.log").write_text('{"serverSeqNum": 1, "torn')
    time.sleep(LEASE_SECONDS + 0.1)  # the crashed process's lease runs out

    readable = opened(redis_server.url, archive_root, "ws://third:8083/")  # a start resumes the export
    try:
        assert readable.records(MEET, Place.FINISHED).replay().entries == [entry(seq) for seq in range(1, UPDATES + 1)]
    finally:
        readable.close()
    assert not client.exists(f"openlifter:meet:{MEET}:log")
    assert FileMeetStore(archive_root).records(MEET, Place.FINISHED).replay().entries == [entry(seq) for seq in range(1, UPDATES + 1)]


def test_a_meet_whose_export_is_pending_is_read_from_redis(stores: list[RedisMeetStore], client: redis.Redis) -> None:
    first, second = stores
    created_with_updates(first)
    client.smove("openlifter:place:current-meets", "openlifter:place:finished-meets", MEET)
    time.sleep(LEASE_SECONDS + 0.1)

    assert second.records(MEET, Place.FINISHED).replay().entries == [entry(seq) for seq in range(1, UPDATES + 1)]


def test_an_archived_meet_joined_again_takes_its_log_back_into_redis(stores: list[RedisMeetStore], client: redis.Redis, archive_root: Path) -> None:
    first, second = stores
    created_with_updates(first)
    first.records(MEET, Place.CURRENT).write_sessions([])
    first.move(MEET, Place.CURRENT, Place.ARCHIVED)
    assert not client.exists(f"openlifter:meet:{MEET}:log")
    assert (archive_root / "archived-meets" / MEET / "updates.log").exists()

    records = second.records(MEET, Place.ARCHIVED)  # the operator's archive let it go at once
    assert len(records.replay().entries) == UPDATES
    second.move(MEET, Place.ARCHIVED, Place.CURRENT)
    second.records(MEET, Place.CURRENT).append([entry(UPDATES + 1)])

    assert client.xlen(f"openlifter:meet:{MEET}:log") == UPDATES + 1
    assert not (archive_root / "archived-meets" / MEET).exists()
    time.sleep(LEASE_SECONDS + 0.1)
    assert first.records(MEET, Place.CURRENT).replay().entries == [entry(seq) for seq in range(1, UPDATES + 2)]


def test_an_operator_cannot_archive_a_meet_another_process_serves(stores: list[RedisMeetStore], client: redis.Redis) -> None:
    owner, operator = stores
    created_with_updates(owner)

    with pytest.raises(OwnedElsewhere):
        operator.records(MEET, Place.CURRENT).write_sessions([])
    with pytest.raises(OwnedElsewhere):
        operator.move(MEET, Place.CURRENT, Place.ARCHIVED)

    assert operator.place_of(MEET) is Place.CURRENT
    assert client.xlen(f"openlifter:meet:{MEET}:log") == UPDATES
    assert json.loads(client.hget(f"openlifter:meet:{MEET}", "sessions") or "") == SESSIONS
    owner.records(MEET, Place.CURRENT).append([entry(UPDATES + 1)])  # the owner goes on


def test_a_deleted_finished_meet_leaves_no_folder(stores: list[RedisMeetStore], archive_root: Path) -> None:
    first, _ = stores
    published(first)

    first.remove(MEET, Place.FINISHED)

    assert not (archive_root / "finished-meets" / MEET).exists()
    assert first.place_of(MEET) is None and first.is_taken(MEET)


def test_a_published_meet_whose_folder_is_not_there_is_refused_for_now_not_damaged(redis_server: RedisServer, stores: list[RedisMeetStore], tmp_path: Path) -> None:
    from openlifter.storage.files import DamagedFile, StorageError

    first, _ = stores
    published(first)
    time.sleep(LEASE_SECONDS + 0.1)
    elsewhere = opened(redis_server.url, tmp_path / "not-mounted", "ws://third:8083/")  # another host, no shared folder

    with pytest.raises(StorageError, match="missing") as refusal:
        elsewhere.records(MEET, Place.FINISHED).replay()
    assert not isinstance(refusal.value, DamagedFile)
    elsewhere.close()


def test_a_read_only_copy_reads_a_published_meet_from_its_folder(stores: list[RedisMeetStore]) -> None:
    first, second = stores
    published(first)  # the first process still serves it

    records = second.records(MEET, Place.FINISHED)

    assert records.read_after(0, 500) == [entry(seq) for seq in range(1, UPDATES + 1)]
    assert records.read_after(UPDATES - 2, 500) == [entry(UPDATES - 1), entry(UPDATES)]
    assert records.stored_head() == UPDATES


def test_a_log_shorter_than_its_head_is_not_dropped_from_redis(stores: list[RedisMeetStore], client: redis.Redis, archive_root: Path) -> None:
    first, _ = stores
    created_with_updates(first)
    client.xdel(f"openlifter:meet:{MEET}:log", f"{UPDATES}-0")  # damaged behind the server's back

    first.move(MEET, Place.CURRENT, Place.FINISHED)  # published: written out later, if ever

    assert client.xlen(f"openlifter:meet:{MEET}:log") == UPDATES - 1
    assert not (archive_root / "finished-meets" / MEET).exists()
    assert first.place_of(MEET) is Place.FINISHED


def test_a_meet_whose_folder_could_not_be_written_is_written_out_when_tried_again(stores: list[RedisMeetStore], client: redis.Redis, archive_root: Path) -> None:
    first, second = stores
    finished = archive_root / "finished-meets"
    finished.rmdir()
    finished.write_text("in the way")  # the folder cannot be made (a full or missing share)
    published(first)  # still answered: it is published, its log stays in Redis for now
    assert client.xlen(f"openlifter:meet:{MEET}:log") == UPDATES
    finished.unlink()
    finished.mkdir()

    assert second.finish_interrupted() == []  # the first process serves it: left to it
    assert first.finish_interrupted() == [MEET]

    assert not client.exists(f"openlifter:meet:{MEET}:log")
    assert first.renew(MEET)  # and it still holds the meet it serves
    assert FileMeetStore(archive_root).records(MEET, Place.FINISHED).replay().entries == [entry(seq) for seq in range(1, UPDATES + 1)]
