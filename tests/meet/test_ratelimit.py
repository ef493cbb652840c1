"""Attempts per address over a sliding window, counted when they arrive."""

from openlifter.meet.ratelimit import AddressLimit


def limit_with_clock(per_window=2, window=60.0):
    clock = [1000.0]
    return AddressLimit(per_window, window, lambda: clock[0]), clock


def test_attempts_beyond_the_limit_are_refused_until_the_window_slides():
    limit, clock = limit_with_clock()
    assert limit.take("a") and limit.take("a")
    assert limit.take("a") is None
    assert limit.take("b") is not None  # each address counts apart
    clock[0] += 60.0
    assert limit.take("a") is not None


def test_an_attempt_given_back_no_longer_counts():
    limit, _ = limit_with_clock()
    first = limit.take("a")
    limit.give_back(first)
    assert limit.take("a") and limit.take("a")
    assert limit.take("a") is None


def test_addresses_idle_for_a_window_are_forgotten():
    limit, clock = limit_with_clock()
    for i in range(1000):
        limit.take(f"10.0.{i // 250}.{i % 250}")
    clock[0] += 61.0
    limit.take("10.9.9.9")
    assert len(limit) == 1
