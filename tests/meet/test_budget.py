"""How long jobs share the event loop (SPEC section 2, "a long batch yields to other
meets"): past its first slice a long job takes turns and rests as long as it worked, so
another meet's short round, which needs many trips through the loop, is not held back
one slice per trip."""

import asyncio
import socket
import time

import pytest

from openlifter.meet.budget import ByteRate, LoopShare, Strangers

SLICE = 0.01


class Meet:
    """An owner of jobs (the server passes its LiveMeet)."""


owners: dict[str, Meet] = {}


async def long_job(share: LoopShare, turns: int, slices: list[str], name: str) -> None:
    """Busy work in 1 ms units, ticking between them, for ``turns`` slices; records
    each slice it starts."""
    time_slice = share.slice(owners.setdefault(name, Meet()))
    try:
        slices.append(name)
        started = 1
        while started < turns:
            unit_ends = time.perf_counter() + 0.001
            while time.perf_counter() < unit_ends:
                pass
            before = time_slice.started
            await time_slice.tick()
            if time_slice.started != before:
                slices.append(name)
                started += 1
    finally:
        time_slice.close()


async def many_trips(trips: int, slices: list[str]) -> int:
    """A short round of another meet: quick steps, each waiting for the next loop pass;
    returns how many long-job slices had started when it was done."""
    for _ in range(trips):
        await asyncio.sleep(0)
    return len(slices)


@pytest.mark.gen_test(timeout=30)
async def test_a_short_round_needing_many_loop_trips_waits_about_one_slice_not_one_per_trip():
    share, slices = LoopShare(SLICE), []
    job = asyncio.ensure_future(long_job(share, 40, slices, "long"))
    await asyncio.sleep(0)  # the long job is in its first slice
    slices_seen = await many_trips(30, slices)
    await job
    # Yielding once per slice, 30 trips took 30 slices; resting lets them all run.
    assert slices_seen <= 3, (slices_seen, len(slices))


@pytest.mark.gen_test(timeout=30)
async def test_long_jobs_of_two_meets_take_turns_slice_by_slice():
    share, slices = LoopShare(SLICE), []
    await asyncio.gather(long_job(share, 12, slices, "a"), long_job(share, 12, slices, "b"))
    # Neither runs to its end once started: the other gets a turn after every slice.
    assert slices.count("a") == slices.count("b") == 12
    middle = slices[2:-2]
    assert all(x != y for x, y in zip(middle, middle[1:])), slices


@pytest.mark.gen_test(timeout=30)
async def test_after_each_turn_the_loop_is_left_to_others_for_as_long_as_the_turn_took():
    share = LoopShare(SLICE)
    time_slice = share.slice(Meet())
    turns = []  # (CPU seconds worked, work ended, next turn started)
    try:
        for _ in range(10):
            while time_slice.worked <= SLICE:  # a slice of CPU: the OS may pause us as well
                pass
            worked, ended = time_slice.worked, time.perf_counter()
            await time_slice.tick()
            turns.append((worked, ended, time_slice.started))
    finally:
        time_slice.close()
    for worked, ended, resumed in turns:
        assert resumed - ended >= 0.9 * worked, turns


def busy(seconds: float) -> None:
    """Work ``seconds`` of CPU (what a LoopShare counts)."""
    ends = time.thread_time() + seconds
    while time.thread_time() < ends:
        pass


async def short_job(share: LoopShare, owner: Meet, seconds: float) -> tuple[bool, float]:
    """Work ``seconds`` in one unit, tick once, end; returns whether the tick let the
    loop run, and when the tick was over."""
    time_slice = share.slice(owner)
    try:
        busy(seconds)
        ran: list[bool] = []
        asyncio.get_running_loop().call_soon(ran.append, True)
        await time_slice.tick()
        return bool(ran), time.perf_counter()
    finally:
        time_slice.close()


@pytest.mark.gen_test(timeout=30)
async def test_a_meet_whose_short_jobs_come_back_to_back_rests_between_them():
    share, meet, other = LoopShare(10 * SLICE), Meet(), Meet()  # a loaded machine stretches 5 ms: keep far under
    yielded, _ = await short_job(share, meet, 0.005)
    assert not yielded  # under a slice: goes straight on
    first_over = time.perf_counter()
    # Its next job starts at once: it owes a rest as long as the first job's work (5 ms of
    # CPU) from the first job's end, and waits it after one unit (however slow the machine).
    yielded, tick_over = await short_job(share, meet, 0.001)
    assert yielded and tick_over - first_over >= 0.0045, tick_over - first_over
    # Another meet owes nothing.
    yielded, _ = await short_job(share, other, 0.001)
    assert not yielded


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_bytes_within_the_burst_are_handled_at_once_and_past_it_wait_for_the_rate():
    clock = Clock()
    rate = ByteRate(per_second=1000, burst=4000, clock=clock)
    assert rate.take(4000) == 0.0  # one largest frame at once
    assert rate.take(500) == pytest.approx(0.5)  # then at 1,000 bytes a second
    clock.now += 0.5
    assert rate.take(1000) == pytest.approx(1.0)
    clock.now += 100
    assert rate.take(4000) == 0.0  # the burst refills, never past itself


@pytest.mark.gen_test(timeout=30)
async def test_a_crowd_of_strangers_goes_one_per_turn_with_other_work_in_between():
    share, done = LoopShare(SLICE), []

    async def stranger(index: int) -> None:
        await share.take_turn(share.strangers)
        busy(0.0005)  # a handshake's work, in one piece
        done.append(index)

    crowd = [asyncio.ensure_future(stranger(i)) for i in range(100)]
    await asyncio.sleep(0)  # the crowd has arrived
    strangers_seen = await many_trips(10, done)
    await asyncio.gather(*crowd)
    # A member's round of 10 trips through the loop waits for a few strangers, not for
    # the crowd (all 100 ran in the first trip before).
    assert strangers_seen <= 30, strangers_seen
    assert sorted(done) == list(range(100))  # every stranger got its turn, in arrival order
    assert done == list(range(100))


# ---- strangers by address -------------------------------------------------------------------


def test_past_its_limit_an_address_gets_no_more_strangers_and_another_address_does():
    strangers = Strangers(per_address=2)
    first, second, third, elsewhere = (socket.socket() for _ in range(4))
    assert strangers.arrive(first, "203.0.113.5") and strangers.arrive(second, "203.0.113.5")
    assert not strangers.arrive(third, "203.0.113.5")
    assert strangers.arrive(elsewhere, "198.51.100.7")
    assert len(strangers) == 3
    for sock in (first, second, third, elsewhere):
        sock.close()


def test_a_stranger_that_settles_makes_room_and_settling_twice_changes_nothing():
    strangers = Strangers(per_address=1)
    member, next_one = socket.socket(), socket.socket()
    assert strangers.arrive(member, "203.0.113.5")
    strangers.settle(member)
    strangers.settle(member)
    assert strangers.arrive(next_one, "203.0.113.5") and len(strangers) == 1
    member.close()
    next_one.close()


def test_a_stranger_closed_without_settling_is_forgotten_when_its_address_is_full():
    strangers = Strangers(per_address=1)
    gone, next_one = socket.socket(), socket.socket()
    assert strangers.arrive(gone, "203.0.113.5")
    gone.close()  # on a path that never said so
    assert strangers.arrive(next_one, "203.0.113.5") and len(strangers) == 1
    next_one.close()
