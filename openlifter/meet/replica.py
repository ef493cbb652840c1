"""Read-only copies of meets that another server process serves (SPEC section 8: displays
on any process).

A ``MeetReplica`` offers what a view publisher reads of a meet (``DisplayedMeet`` below:
``meet_id``, ``durable_head``, ``meet.state``, ``meet.head``, ``listeners``), so the same
``MeetPublisher`` renders its views for this process's displays. It is fed by the meet's
channel (the owner's notice of each durable round) and by the stored log: entries are taken
only when they follow on from the copy's head, so nothing is ever shown out of seq order;
a notice that does not follow on, an unreadable one, a lost subscription or a big round
(seqs only) make the copy read the log from its head + 1 before anything newer.

``Replicas`` makes a copy when the first display of a meet arrives (loaded once even when
many arrive at once) and drops it ``linger_seconds`` after the last one left. The owner
may change meanwhile (failover): the channel is the meet's, so the copy goes on.

No I/O here: reads go through ``CopySource`` on the storage threads, the subscription
through ``CopyChannels``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Callable, Coroutine, Protocol

from openlifter.auth.secrets import keys_match
from openlifter.meet.budget import LoopShare
from openlifter.meet.live import MeetAuth
from openlifter.meet.meet import Endpoint, Meet, MeetLimits
from openlifter.storage.executor import StorageExecutor
from openlifter.storage.files import StorageError
from openlifter.storage.redischannel import LogNotice, Notice
from openlifter.storage.store import LogEntry

log = logging.getLogger(__name__)

READ_PAGE = 500  # log entries read from the store per round trip while catching up
APPLY_CHUNK = 100  # entries applied between looks at the clock (other meets run meanwhile)


class DisplayedMeet(Protocol):
    """What displays need of a meet, served here (``LiveMeet``) or copied (``MeetReplica``):
    the seam a view publisher reads (every durable round reaches ``listeners``, in seq
    order), the auth that holds the display key, and the lock readers take."""

    meet: Meet
    durable_head: int
    listeners: list[Callable[[Any, list[LogEntry]], None]]
    auth: MeetAuth
    lock: asyncio.Lock

    @property
    def meet_id(self) -> str: ...

    def touch(self) -> None: ...


class CopySource(Protocol):
    """One meet's stored records, read without taking the meet."""

    @property
    def auth_path(self) -> Any: ...

    def read_auth(self) -> dict[str, Any]: ...

    def stored_head(self) -> int | None: ...

    def read_after(self, after_seq: int, limit: int) -> list[LogEntry]: ...


class CopyChannels(Protocol):
    async def listen(self, meet_id: str) -> None: ...

    async def unlisten(self, meet_id: str) -> None: ...

    async def close(self) -> None: ...


class MeetReplica:
    """A read-only copy of one meet, at the head of what it has taken from the log."""

    def __init__(self, meet: Meet, auth: MeetAuth) -> None:
        self.meet = meet
        self.auth = auth
        self.durable_head = meet.head  # everything a copy holds is durable
        self.listeners: list[Callable[[Any, list[LogEntry]], None]] = []
        self.lock = asyncio.Lock()  # nothing waits on it: taking entries never awaits
        self.last_watched = time.monotonic()
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.catching_up: asyncio.Task[bool] | None = None
        self.catch_up_again = False
        self.gone = False

    @property
    def meet_id(self) -> str:
        return self.meet.meet_id

    def touch(self) -> None:
        self.last_watched = time.monotonic()

    def take(self, entries: list[LogEntry]) -> int:
        """Apply the entries that follow on from the head (older ones are skipped; a gap
        takes nothing) and tell the listeners. Returns how many were taken."""
        fresh = [entry for entry in entries if entry.server_seq > self.meet.head]
        if not fresh or fresh[0].server_seq != self.meet.head + 1:
            return 0
        if [e.server_seq for e in fresh] != list(range(fresh[0].server_seq, fresh[0].server_seq + len(fresh))):
            return 0
        self.meet.replay(fresh)
        self.durable_head = self.meet.head
        for listener in list(self.listeners):
            try:
                listener(self, fresh)
            except Exception:
                log.exception("replica change listener failed", extra={"meetId": self.meet_id})
        return len(fresh)


class Replicas:
    """This process's copies of meets served elsewhere, made for its displays."""

    def __init__(
        self,
        source: Callable[[str], CopySource],
        channels: CopyChannels,
        io: StorageExecutor,
        limits: MeetLimits,
        loop_share: LoopShare,
        linger_seconds: float,
    ) -> None:
        self._source = source
        self._channels = channels
        self._io = io
        self._limits = limits
        self._loop_share = loop_share
        self.linger_seconds = linger_seconds
        self._replicas: dict[str, MeetReplica] = {}
        self.on_made: list[Callable[[MeetReplica], object]] = []
        self.on_dropped: list[Callable[[MeetReplica], object]] = []
        # Holders of a copy (display feeds) say here whether it is watched.
        self.in_use: list[Callable[[MeetReplica], bool]] = []
        # The display key changed, or the meet was deleted: its displays must go (the reason).
        self.on_shut: list[Callable[[MeetReplica, str], object]] = []
        self.reads = 0  # pages read from the log (tests, metrics)
        self._background: set[asyncio.Future[None]] = set()
        self._unlistening: dict[str, asyncio.Future[None]] = {}  # a dropped copy's unsubscribe

    def __len__(self) -> int:
        return len(self._replicas)

    async def get(self, meet_id: str, display_key: str) -> MeetReplica | None:
        """The copy of the meet, made (subscribed, then read from the log) on first use;
        None when there is no such meet, the display key is not the meet's (no copy is
        made for it), or the meet cannot be read now."""
        replica = self._replicas.get(meet_id)
        if replica is None:
            replica = await self._make(meet_id, display_key)
            if replica is None:
                return None
        await asyncio.shield(replica.ready)
        if replica.gone or self._replicas.get(meet_id) is not replica or not keys_match(display_key, replica.auth.display_key):
            return None
        replica.touch()
        return replica

    async def _make(self, meet_id: str, display_key: str) -> MeetReplica | None:
        source = self._source(meet_id)
        try:
            if await self._io.run(source.stored_head) is None:
                return None  # no such meet
            auth = MeetAuth.from_json(await self._io.run(source.read_auth), source.auth_path)
        except StorageError as error:
            log.warning("cannot copy a meet for its displays", extra={"meetId": meet_id, "error": str(error)})
            return None
        if meet_id in self._replicas:  # made by another display meanwhile
            return self._replicas[meet_id]
        if not keys_match(display_key, auth.display_key):
            return None
        replica = MeetReplica(Meet(meet_id, [Endpoint(n, p) for n, p in auth.endpoints], limits=self._limits), auth)
        self._replicas[meet_id] = replica
        complete = False
        try:
            unlistening = self._unlistening.pop(meet_id, None)
            if unlistening is not None:  # a copy dropped just now: its unsubscribe must not undo this subscribe
                await asyncio.shield(unlistening)
            await self._channels.listen(meet_id)  # before reading: no notice falls in between
            self.catch_up(replica)
            assert replica.catching_up is not None
            complete = await asyncio.shield(replica.catching_up)
        except StorageError as error:
            log.warning("cannot copy a meet for its displays", extra={"meetId": meet_id, "error": str(error)})
        except asyncio.CancelledError:
            if not replica.gone:
                raise  # not the copy's reading that was cancelled (deleted meanwhile), the caller
        finally:
            if not complete:  # never show a meet half read: the display is refused this time
                replica.gone = True
                self._drop(replica)
                replica.ready.set_result(None)
        if not complete:
            return None
        log.info("meet copied for displays", extra={"meetId": meet_id, "updates": replica.meet.head})
        for hook in self.on_made:
            hook(replica)
        replica.ready.set_result(None)
        return replica

    # ---- following the channel ----------------------------------------------------------

    def heard(self, meet_id: str, notice: Notice | None) -> None:
        """A message on a meet's channel (``MeetChannels``); None: an unreadable one."""
        replica = self._replicas.get(meet_id)
        if replica is None:
            return
        if isinstance(notice, LogNotice):
            if notice.last <= replica.meet.head:
                return  # already taken from the log
            if notice.entries is not None and replica.catching_up is None and replica.take(notice.entries):
                return
            self.catch_up(replica)
        elif notice is None:
            self.catch_up(replica)
        elif notice.what == "auth":
            self._in_background(self._read_auth(replica))
        elif notice.what == "gone":
            log.info("copied meet deleted", extra={"meetId": meet_id})
            replica.gone = True
            for hook in self.on_shut:
                hook(replica, "meet deleted")
            self._drop(replica)

    def resubscribed(self) -> None:
        """Notices may have been lost while the subscription was down: every copy reads
        the log from its head."""
        for replica in list(self._replicas.values()):
            self.catch_up(replica)

    def catch_up(self, replica: MeetReplica) -> None:
        """Read the log from the copy's head + 1 to its end (once at a time per copy;
        asked again meanwhile, it reads once more after)."""
        if replica.catching_up is not None and not replica.catching_up.done():
            replica.catch_up_again = True
            return
        replica.catch_up_again = False
        replica.catching_up = asyncio.ensure_future(self._catch_up(replica))

    async def _catch_up(self, replica: MeetReplica) -> bool:
        """True once the copy holds the whole stored log as of this call."""
        source = self._source(replica.meet_id)
        time_slice = self._loop_share.slice(replica)
        try:
            while True:
                replica.catch_up_again = False
                self.reads += 1
                page = await self._io.run(source.read_after, replica.meet.head, READ_PAGE)
                for start in range(0, len(page), APPLY_CHUNK):
                    replica.take(page[start : start + APPLY_CHUNK])
                    await time_slice.tick()
                if len(page) < READ_PAGE and not replica.catch_up_again:
                    return True
        except StorageError as error:  # DamagedFile included
            # The displays keep the last good views; the next notice or check tries again.
            log.error("cannot read a copied meet's log", extra={"meetId": replica.meet_id, "error": str(error)})
            return False
        finally:
            time_slice.close()
            replica.catching_up = None

    async def _read_auth(self, replica: MeetReplica) -> None:
        source = self._source(replica.meet_id)
        try:
            auth = MeetAuth.from_json(await self._io.run(source.read_auth), source.auth_path)
        except StorageError as error:  # DamagedFile included
            log.error("cannot read a copied meet's auth", extra={"meetId": replica.meet_id, "error": str(error)})
            return
        changed = auth.display_key != replica.auth.display_key
        replica.auth = auth
        if changed:
            log.warning("display key rotated; displays of the copy closed", extra={"meetId": replica.meet_id})
            for hook in self.on_shut:
                hook(replica, "display key rotated")

    # ---- upkeep --------------------------------------------------------------------------

    async def check(self, now: float | None = None) -> list[str]:
        """Drop copies nobody watched for ``linger_seconds``; for the others, compare the
        stored head (a notice lost without the subscription noticing) and the display key.
        Returns the ids dropped."""
        now = time.monotonic() if now is None else now
        dropped = []
        for replica in list(self._replicas.values()):
            if not replica.ready.done():
                continue
            if any(watched(replica) for watched in self.in_use):
                replica.last_watched = now
            elif now - replica.last_watched >= self.linger_seconds:
                self._drop(replica)
                dropped.append(replica.meet_id)
                continue
            try:
                head = await self._io.run(self._source(replica.meet_id).stored_head)
            except StorageError:
                continue
            if head is not None and head > replica.meet.head:
                self.catch_up(replica)
        return dropped

    def _drop(self, replica: MeetReplica) -> None:
        if self._replicas.get(replica.meet_id) is not replica:
            return
        del self._replicas[replica.meet_id]
        if replica.catching_up is not None:
            replica.catching_up.cancel()
        meet_id = replica.meet_id
        unlistening = self._unlistening[meet_id] = self._in_background(self._channels.unlisten(meet_id))
        unlistening.add_done_callback(lambda done: self._unlistening.pop(meet_id) if self._unlistening.get(meet_id) is done else None)
        for hook in self.on_dropped:
            hook(replica)
        log.info("copy of a meet dropped", extra={"meetId": replica.meet_id})

    def _in_background(self, work: Coroutine[Any, Any, None]) -> "asyncio.Future[None]":
        task = asyncio.ensure_future(work)
        self._background.add(task)  # held until done: the loop keeps only weak references
        task.add_done_callback(self._background.discard)
        return task

    async def close(self) -> None:
        for replica in list(self._replicas.values()):
            self._drop(replica)
        await self._channels.close()
