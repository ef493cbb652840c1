"""Bounds on work: a count of steps one operation may spend (judging one update, say),
so that its cost is bounded by configuration, not by how much a client managed to store;
and the event loop's share of long jobs, so that one meet's long job never holds up
another meet's relays for longer than a time slice."""

from __future__ import annotations

import asyncio
import time
import weakref
from typing import Any, Callable


class WorkBudget:
    def __init__(self, steps: int) -> None:
        self.left = steps

    def spend(self, steps: int = 1) -> bool:
        """Take ``steps``; False once the budget is used up (and from then on)."""
        self.left -= steps
        return self.left >= 0

    @property
    def exhausted(self) -> bool:
        return self.left < 0


class ByteRate:
    """A token bucket over bytes: ``burst`` bytes at once, ``per_second`` on average.
    ``take`` says how long to wait before bytes just received may be handled (the
    caller stops reading meanwhile), so whatever a client's bytes cost (parsing,
    measuring, storing, fsync) grows at a bounded rate."""

    def __init__(self, per_second: float, burst: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_second = per_second
        self.burst = burst
        self._clock = clock
        self._level = burst
        self._at = clock()

    def take(self, size: int) -> float:
        """Count ``size`` bytes; seconds to wait before handling them (0: at once)."""
        now = self._clock()
        self._level = min(self.burst, self._level + (now - self._at) * self.per_second) - size
        self._at = now
        return 0.0 if self._level >= 0 else -self._level / self.per_second


class Strangers:
    """The owner (in a ``LoopShare``) of work done for sockets that belong to no meet
    yet: partial requests, handshakes, creates and joins. Anyone can cause it, without
    credentials.

    It also counts them by client address: a socket is a stranger from the moment it is
    accepted until its request's headers are in (or, for a protocol socket, until it
    belongs to a meet), and past ``per_address`` strangers of one address a new socket is
    refused at once. A crowd from one address then costs a short refusal each, not the
    dozen passes of the loop a request and a handshake take, passes that other meets'
    relays would wait behind."""

    def __init__(self, per_address: int = 2**31) -> None:
        self.per_address = per_address
        self._by_address: dict[str, set[Any]] = {}  # only addresses with strangers: bounded by the open sockets
        self._address: dict[Any, str] = {}

    def arrive(self, sock: Any, address: str) -> bool:
        """Count ``sock`` (a socket) as a stranger of ``address``; False, and not
        counted, when that address has ``per_address`` already."""
        if sock in self._address:
            return True
        sockets = self._by_address.setdefault(address, set())
        if len(sockets) >= self.per_address:
            for gone in [s for s in sockets if s.fileno() == -1]:  # closed on a path that did not say so
                self.settle(gone)
            sockets = self._by_address.setdefault(address, set())
            if len(sockets) >= self.per_address:
                return False
        sockets.add(sock)
        self._address[sock] = address
        return True

    def settle(self, sock: Any) -> None:
        """``sock`` is no longer a stranger (its request is in, it belongs to a meet, or
        it has gone). Idempotent."""
        address = self._address.pop(sock, None)
        if address is None:
            return
        sockets = self._by_address[address]
        sockets.discard(sock)
        if not sockets:
            del self._by_address[address]

    def __len__(self) -> int:
        return len(self._address)


class LoopShare:
    """How long jobs of every meet (judging a long batch, restoring a recovery, replaying
    a log on load) share the event loop with everything else. One per server.

    A job works in slices of ``slice_seconds``. Its first slice is free: a short round
    never waits. Past it, long jobs take turns, first come first served, one slice at a
    time, and after each turn the loop is left to everything else (frames being read,
    short rounds, relays, fsyncs coming back) for as long as the turn took. The rest is
    also owed by the job's owner (its meet): a meet whose next job starts before its
    last one's rest is over takes a turn after its first unit of work, so a client
    sending short batches back to back cannot dodge the rest by keeping each one under
    a slice.

    Why not just yield once per slice: another meet's round needs a dozen trips through
    the loop (read the frame, queue it, judge it, come back from the fsync thread, write
    the answers), and a single yield lets it make one trip per slice. Resting as long
    as it worked lets it make all of them; and however many long jobs are queued, on any
    number of meets, together they get at most half of the loop.
    """

    def __init__(self, slice_seconds: float, strangers_per_address: int = 2**31) -> None:
        self.slice_seconds = slice_seconds
        self._turns = asyncio.Lock()  # waiters are served in arrival order
        self.strangers = Strangers(strangers_per_address)  # owner of the work of sockets that belong to no meet yet
        self._rest_until = 0.0  # perf_counter time before which no long job goes on
        # owner -> perf_counter time before which its next job owes a rest
        self._owed: weakref.WeakKeyDictionary[object, float] = weakref.WeakKeyDictionary()

    async def take_turn(self, owner: object) -> None:
        """Wait for a turn (and any rest due) and give it back at once: for work that
        cannot be sliced, such as a stranger's handshake or first frame. Such work goes
        one piece per turn, so a crowd of it arriving at once is spread over many passes
        of the loop, with everything else running in between."""
        time_slice = TimeSlice(self, owner, owes_rest=True)
        await time_slice.tick()
        time_slice.close()

    def slice(self, owner: object) -> "TimeSlice":
        """A job of ``owner`` (a meet): call ``tick`` between units of work, ``close``
        at the end."""
        return TimeSlice(self, owner)


class TimeSlice:
    """One job's use of a ``LoopShare``."""

    def __init__(self, share: LoopShare, owner: object, owes_rest: bool = False) -> None:
        self.share = share
        self.owner = owner
        self.started = time.perf_counter()
        # Work is measured in the loop thread's CPU time: on a busy machine the OS may
        # pause the server in the middle of a short job, which is not the job's doing
        # (counted in wall time, that pause made it take a turn and rest as long).
        self._cpu_started = time.thread_time()
        self._owes_rest = owes_rest or share._owed.get(owner, 0.0) > self.started
        self._holding_turn = False

    @property
    def worked(self) -> float:
        """CPU seconds of this job's current slice."""
        return time.thread_time() - self._cpu_started

    async def tick(self) -> None:
        """Between two units of work: once the slice is used up (or the owner owes a
        rest from its last job), wait for the next turn."""
        worked = self.worked
        if worked <= self.share.slice_seconds and not self._owes_rest:
            return
        self._owes_rest = False
        self._end_turn(worked)
        await self.share._turns.acquire()
        self._holding_turn = True
        # Sleep even when no rest is due: everything ready now runs first.
        rest_until = max(self.share._rest_until, self.share._owed.get(self.owner, 0.0))
        await asyncio.sleep(max(0.0, rest_until - time.perf_counter()))
        self.started = time.perf_counter()
        self._cpu_started = time.thread_time()

    def close(self) -> None:
        """The job is over (or failed): its owner owes a rest as long as its last
        slice; a job that took turns gives up its turn."""
        self._end_turn(self.worked)

    def _end_turn(self, worked: float) -> None:
        rest_until = time.perf_counter() + worked
        self.share._owed[self.owner] = max(rest_until, self.share._owed.get(self.owner, 0.0))
        if self._holding_turn or worked > self.share.slice_seconds:
            self.share._rest_until = max(rest_until, self.share._rest_until)
        if self._holding_turn:
            self._holding_turn = False
            self.share._turns.release()
