"""Attempts per address and sessions by token, kept in a real redis-server for every
server process (SPEC section 8)."""

from __future__ import annotations

import concurrent.futures
import time
from typing import Iterator

import pytest

from openlifter.storage.redisstore import RedisMeetStore
from openlifter.storage.store import Place
from support import RedisServer

MEET = "123456789"
AUTH = {"meetId": MEET, "passwordHash": "x", "endpoints": [["Table", 1]], "displayKey": "k", "createdAt": 1.0}


@pytest.fixture
def stores(redis_server: RedisServer) -> Iterator[list[RedisMeetStore]]:
    redis_server.flush()
    made = [RedisMeetStore(redis_server.url, 0.3, f"ws://p{number}:8081/") for number in range(3)]
    yield made
    for store in made:
        store.close()


def test_attempts_of_one_address_over_every_process_share_one_limit(stores: list[RedisMeetStore]) -> None:
    taken = [store.attempts.take("join", "10.0.0.7", 4, 60) for store in stores * 2]

    assert [attempt is not None for attempt in taken] == [True] * 4 + [False] * 2
    assert stores[0].attempts.take("join", "10.0.0.8", 4, 60) is not None  # another address
    assert stores[0].attempts.take("create", "10.0.0.7", 4, 60) is not None  # another kind


def test_a_burst_of_attempts_at_once_admits_only_the_limit(stores: list[RedisMeetStore]) -> None:
    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        taken = list(pool.map(lambda n: stores[n % 3].attempts.take("join", "10.0.0.7", 5, 60), range(60)))

    assert sum(attempt is not None for attempt in taken) == 5


def test_an_attempt_given_back_no_longer_counts(stores: list[RedisMeetStore]) -> None:
    first, second, _ = stores
    attempt = first.attempts.take("join", "10.0.0.7", 1, 60)
    assert attempt is not None and second.attempts.take("join", "10.0.0.7", 1, 60) is None

    first.attempts.give_back("join", "10.0.0.7", attempt)

    assert second.attempts.take("join", "10.0.0.7", 1, 60) is not None


def test_attempts_count_again_once_their_window_has_passed(stores: list[RedisMeetStore]) -> None:
    assert stores[0].attempts.take("join", "10.0.0.7", 1, 0.2) is not None
    assert stores[1].attempts.take("join", "10.0.0.7", 1, 0.2) is None
    time.sleep(0.25)
    assert stores[1].attempts.take("join", "10.0.0.7", 1, 0.2) is not None


def test_a_session_made_by_one_process_is_found_by_its_hash_on_another(stores: list[RedisMeetStore]) -> None:
    first, second, _ = stores
    first.records(MEET, Place.CURRENT).create(AUTH)
    first.records(MEET, Place.CURRENT).write_sessions([{"tokenHash": "a" * 64, "locationName": "Table", "createdAt": 1.0, "expiresAt": time.time() + 60}])

    assert second.meet_of_session("a" * 64) == MEET
    assert second.meet_of_session("b" * 64) is None


def test_a_session_is_no_longer_found_once_it_expires(stores: list[RedisMeetStore]) -> None:
    first, second, _ = stores
    first.records(MEET, Place.CURRENT).create(AUTH)
    soon, past = time.time() + 0.2, time.time() - 1
    first.records(MEET, Place.CURRENT).write_sessions([
        {"tokenHash": "a" * 64, "locationName": "Table", "createdAt": 1.0, "expiresAt": soon},
        {"tokenHash": "b" * 64, "locationName": "Table", "createdAt": 1.0, "expiresAt": past},
    ])  # fmt: skip

    assert second.meet_of_session("a" * 64) == MEET
    assert second.meet_of_session("b" * 64) is None
    time.sleep(0.3)
    assert second.meet_of_session("a" * 64) is None
