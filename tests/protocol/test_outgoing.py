"""A connection's outgoing queue: bounded in frames and in bytes, never blocking."""

import asyncio

import pytest

from openlifter.protocol.outgoing import CLOSE_TOO_SLOW, OutgoingQueue


def stuck_queue(cap: int, max_bytes: int):
    """A queue whose peer never reads: its first write never completes."""
    closed: list[int] = []
    never = asyncio.get_running_loop().create_future()
    queue = OutgoingQueue(lambda frame: never, lambda code, reason: closed.append(code), cap, max_bytes)
    return queue, closed


@pytest.mark.gen_test
async def test_a_peer_more_than_max_bytes_behind_is_closed():
    queue, closed = stuck_queue(cap=1000, max_bytes=10_000)
    for _ in range(9):
        queue.send("x" * 1000)
    await asyncio.sleep(0)
    assert not closed and queue.pending_bytes == 9000
    queue.send("x" * 2000)
    assert closed == [CLOSE_TOO_SLOW] and queue.pending_bytes == 0


@pytest.mark.gen_test
async def test_the_frame_being_written_still_counts():
    queue, closed = stuck_queue(cap=1000, max_bytes=10_000)
    queue.send("x" * 6000)
    await asyncio.sleep(0)  # the writer took it and waits on the socket
    queue.send("x" * 6000)
    assert closed == [CLOSE_TOO_SLOW]


@pytest.mark.gen_test
async def test_one_frame_larger_than_max_bytes_goes_to_a_peer_with_nothing_queued():
    queue, closed = stuck_queue(cap=1000, max_bytes=10_000)
    queue.send("x" * 50_000)
    assert not closed and queue.pending_bytes == 50_000


@pytest.mark.gen_test
async def test_bytes_are_released_once_written():
    written: list[str] = []

    async def write(frame: str) -> None:
        written.append(frame)

    queue = OutgoingQueue(write, lambda code, reason: None, 1000, 10_000)
    for _ in range(30):
        queue.send("x" * 1000)
        await asyncio.sleep(0)
    await asyncio.sleep(0.01)
    assert len(written) == 30 and queue.pending_bytes == 0 and not queue.closed
