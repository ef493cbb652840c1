"""Read-only copies of a meet (SPEC section 8, displays on any process), against a real
redis-server: the owner's store appends and announces, a copy follows the channel and
reads what it missed from the log, never out of seq order."""

from __future__ import annotations

import asyncio
from typing import Any, Iterator

import pytest

from openlifter.meet.budget import LoopShare
from openlifter.meet.live import MeetAuth
from openlifter.meet.meet import MeetLimits
from openlifter.meet.replica import MeetReplica, Replicas
from openlifter.storage.executor import StorageExecutor
from openlifter.storage.redischannel import NOTICE_INLINE_BYTES, LogNotice, MeetChannels, RecordNotice, log_notice, parse_notice
from openlifter.storage.redisstore import RedisMeetStore
from openlifter.storage.store import LogEntry, Place
from support import RedisServer

MEET_ID = "123456789"
AUTH = MeetAuth(MEET_ID, "hash", (("Table", 2), ("Weigh-in", 1)), "display-key", 1.0)


def entry(seq: int, value: Any = None) -> LogEntry:
    return LogEntry(seq, "meet.name", f"Meet {seq}" if value is None else value, "Table", 2, seq, 1000.0 + seq)


class Copies:
    """The owner's store, and the copies of another process on the same Redis."""

    def __init__(self, url: str) -> None:
        self.owner = RedisMeetStore(url, 5.0, "ws://owner:8081/")
        self.owner.open("test")
        self.owner.records(MEET_ID, Place.CURRENT).create(AUTH.to_json())
        self.reader = RedisMeetStore(url, 5.0, "ws://reader:8082/")
        self.io = StorageExecutor(2)
        self.channels = MeetChannels(url, self.reader.channel, self.heard, self.resubscribed, self.reader.key("copies"))
        self.replicas = Replicas(
            lambda meet_id: self.reader.records(meet_id, Place.CURRENT), self.channels, self.io, MeetLimits(), LoopShare(0.01), 30.0
        )
        self.taken: list[int] = []  # the seqs the copy's listeners heard, in order

    def heard(self, meet_id: str, notice: Any) -> None:
        self.replicas.heard(meet_id, notice)

    def resubscribed(self) -> None:
        self.replicas.resubscribed()

    def append(self, *entries: LogEntry) -> None:
        self.owner.records(MEET_ID, Place.CURRENT).append(list(entries))

    async def copy(self) -> MeetReplica:
        replica = await self.replicas.get(MEET_ID, AUTH.display_key)
        assert replica is not None
        replica.listeners.append(lambda _, entries: self.taken.extend(e.server_seq for e in entries))
        return replica

    async def close(self) -> None:
        await self.replicas.close()
        self.io.shutdown()
        self.owner.close()
        self.reader.close()


@pytest.fixture
def copies(io_loop: Any, redis_server: RedisServer) -> Iterator[Copies]:
    redis_server.flush()
    made = Copies(redis_server.url)
    yield made
    io_loop.run_sync(made.close)


async def until(condition: Any, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.01)


def test_a_log_notice_carries_a_small_round_and_only_the_seqs_of_a_big_one() -> None:
    small = [b'{"serverSeqNum":4,"updateKey":"a","updateValue":1,"locationName":"T","priority":1,"localSeqNum":1,"receivedAt":1.0}']
    big = [b"x" * (NOTICE_INLINE_BYTES + 1)]

    assert parse_notice(log_notice(4, small)) == LogNotice(4, 4, [LogEntry(4, "a", 1, "T", 1, 1, 1.0)])
    assert parse_notice(log_notice(7, big)) == LogNotice(7, 7, None)
    assert len(log_notice(7, big)) < 20


def test_an_unreadable_notice_is_none_and_a_records_notice_names_what_changed() -> None:
    assert parse_notice(b"log 3") is None
    assert parse_notice(b"log 5 4") is None
    assert parse_notice(b"log 1 1\nnot json") == LogNotice(1, 1, None)
    assert parse_notice(b"auth") == RecordNotice("auth")
    assert parse_notice(b"gone") == RecordNotice("gone")


@pytest.mark.gen_test(timeout=30)
async def test_a_copy_starts_from_the_stored_log_and_follows_each_announced_round(copies: Copies) -> None:
    copies.append(entry(1), entry(2))
    replica = await copies.copy()
    assert replica.meet.head == replica.durable_head == 2

    copies.append(entry(3))
    copies.append(entry(4), entry(5))

    await until(lambda: replica.meet.head == 5)
    assert copies.taken == [3, 4, 5]
    assert replica.meet.state["meet"]["name"] == "Meet 5"
    assert copies.replicas.reads == 1  # the rounds came with their notices: the log was read once, at the start


@pytest.mark.gen_test(timeout=30)
async def test_a_notice_that_does_not_follow_on_makes_the_copy_read_the_gap_from_the_log_first(copies: Copies) -> None:
    copies.append(entry(1))
    replica = await copies.copy()
    await copies.channels.unlisten(MEET_ID)
    copies.append(entry(2))  # announced while the copy did not listen: missed
    copies.append(entry(3))
    await copies.channels.listen(MEET_ID)

    copies.append(entry(4))  # its notice does not follow on from the copy's head (1)

    await until(lambda: replica.meet.head == 4)
    assert copies.taken == [2, 3, 4]
    assert replica.meet.state["meet"]["name"] == "Meet 4"


@pytest.mark.gen_test(timeout=30)
async def test_a_big_round_announced_by_its_seqs_is_read_from_the_log(copies: Copies) -> None:
    replica = await copies.copy()
    reads = copies.replicas.reads

    copies.append(entry(1, "x" * NOTICE_INLINE_BYTES))

    await until(lambda: replica.meet.head == 1)
    assert copies.replicas.reads == reads + 1
    assert copies.taken == [1]


@pytest.mark.gen_test(timeout=30)
async def test_a_copy_whose_subscription_was_lost_reads_what_it_missed(copies: Copies, redis_server: RedisServer) -> None:
    import redis

    copies.append(entry(1))
    replica = await copies.copy()
    subscriptions = copies.channels.subscriptions
    with redis.Redis.from_url(redis_server.url) as admin:
        admin.client_kill_filter(_type="pubsub")
        copies.append(entry(2), entry(3))  # nobody listens now

    await until(lambda: replica.meet.head == 3)
    assert copies.channels.subscriptions == subscriptions + 1
    assert copies.taken == [2, 3]


@pytest.mark.gen_test(timeout=30)
async def test_a_copy_is_dropped_once_unwatched_for_the_linger_time_and_made_again_on_the_next_display(copies: Copies) -> None:
    copies.append(entry(1))
    watched = {"now": True}
    copies.replicas.in_use.append(lambda replica: watched["now"])
    first = await copies.copy()
    now = first.last_watched

    assert await copies.replicas.check(now + 60) == []  # watched: kept
    watched["now"] = False
    assert await copies.replicas.check(now + 61) == []  # unwatched since the last check, for 1 s
    assert await copies.replicas.check(now + 91) == [MEET_ID]

    assert len(copies.replicas) == 0
    again = await copies.copy()
    assert again is not first and again.meet.head == 1
    reads = copies.replicas.reads
    copies.append(entry(2))  # the new copy listens: the old one's unsubscribe did not undo it
    await until(lambda: again.meet.head == 2)
    assert copies.replicas.reads == reads


@pytest.mark.gen_test(timeout=30)
async def test_a_deleted_meet_has_no_copy(copies: Copies) -> None:
    copies.append(entry(1))
    replica = await copies.copy()

    copies.owner.remove(MEET_ID, Place.CURRENT)

    await until(lambda: len(copies.replicas) == 0)
    assert replica.gone
    assert await copies.replicas.get(MEET_ID, AUTH.display_key) is None


@pytest.mark.gen_test(timeout=30)
async def test_no_copy_is_made_for_a_wrong_display_key_or_an_unknown_meet(copies: Copies) -> None:
    copies.append(entry(1))

    assert await copies.replicas.get(MEET_ID, "not-the-key") is None
    assert await copies.replicas.get("987654321", AUTH.display_key) is None

    assert len(copies.replicas) == 0 and copies.replicas.reads == 0
    replica = await copies.copy()
    assert await copies.replicas.get(MEET_ID, "not-the-key") is None  # a copy made refuses it too
    assert await copies.replicas.get(MEET_ID, AUTH.display_key) is replica


def test_the_file_store_keeps_no_copies(app: Any) -> None:
    """One process on its data folder serves every meet itself: displays are shown from
    the served meet, as before there were copies."""
    assert app.settings["openlifter_replicas"] is None
