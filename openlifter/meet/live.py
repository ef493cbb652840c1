"""A meet being served: its peers, its write queue and its durability.

All changes of one meet pass through one queue drained under one lock: batches that
arrive while the disk is busy are judged together, written with one fsync (group
commit), and only then are their ACK, REJECTED and RELAY frames sent, in seq order,
before the next round starts. File I/O runs on storage threads, so one meet's slow disk
never holds up another meet.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Protocol

from openlifter.meet import errors
from openlifter.meet.budget import LoopShare
from openlifter.meet.errors import Rejected
from openlifter.meet.meet import BatchOutcome, Meet, Update
from openlifter.meet.recovery import RecoveryAnswer, merge_recovered
from openlifter.storage.executor import StorageExecutor
from openlifter.storage.files import DamagedFile, StorageError
from openlifter.storage.store import LogEntry, MeetRecords

log = logging.getLogger(__name__)


class Replies(Protocol):
    """The frames a meet sends its peers. The protocol layer builds them (the module
    ``openlifter.protocol.messages`` is the implementation): meet/ knows no wire format."""

    def encode(self, message: dict[str, Any]) -> str: ...

    def update_ack(self, acks: Iterable[tuple[int, int]]) -> dict[str, Any]: ...

    def update_rejected(self, rejections: Iterable[Any]) -> dict[str, Any]: ...

    def update_relay(self, entries: Iterable[LogEntry]) -> dict[str, Any]: ...

    def server_pull(self, head: int, entries: Iterable[LogEntry], more: bool) -> dict[str, Any]: ...

    def recovery_request(self, from_server_seq: int) -> dict[str, Any]: ...


class MeetObserver(Protocol):
    """What the meet reports for metrics."""

    def committed(self, updates: int, fsync_seconds: float) -> None: ...

    def answered(self, outcome: BatchOutcome, latency_seconds: float) -> None: ...


class Peer(Protocol):
    """What a meet needs of a connection: a non-blocking send and who it is."""

    @property
    def location(self) -> str | None: ...  # None for display-only peers

    def send(self, message: dict[str, Any] | str) -> None: ...


@dataclasses.dataclass(frozen=True)
class MeetAuth:
    """What ``auth.json`` holds."""

    meet_id: str
    password_hash: str
    endpoints: tuple[tuple[str, int], ...]
    display_key: str
    created_at: float

    def to_json(self) -> dict[str, Any]:
        return {
            "formatVersion": 1,
            "meetId": self.meet_id,
            "passwordHash": self.password_hash,
            "endpoints": [{"locationName": n, "priority": p} for n, p in self.endpoints],
            "displayKey": self.display_key,
            "createdAt": self.created_at,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], path: Path) -> "MeetAuth":
        """The record read from ``path``; DamagedFile if a field is missing or unusable."""
        try:
            endpoints = tuple((str(e["locationName"]), int(e["priority"])) for e in data["endpoints"])
            return cls(str(data["meetId"]), str(data["passwordHash"]), endpoints, str(data["displayKey"]), float(data["createdAt"]))
        except (KeyError, TypeError, ValueError, OverflowError) as error:
            raise DamagedFile(path, f"incomplete ({error.__class__.__name__})") from None


@dataclasses.dataclass
class _PendingBatch:
    peer: Peer
    location: str
    session_id: str
    updates: list[Update]
    done: asyncio.Future[BatchOutcome]
    arrived: float = dataclasses.field(default_factory=time.perf_counter)


ChangeListener = Callable[["LiveMeet", list[LogEntry]], None]


class LiveMeet:
    def __init__(self, meet: Meet, auth: MeetAuth, files: MeetRecords, io: StorageExecutor, replies: Replies) -> None:
        self.meet = meet
        self.replies = replies
        self.auth = auth
        self.files = files
        self.io = io
        self.peers: set[Peer] = set()
        self.listeners: list[ChangeListener] = []
        self.durable_head = meet.head
        # Entries after this seq were accepted by this process only: after a loss of
        # state, clients' logs may differ from ours there, so recovery resends from it.
        self.agreed_head = meet.head
        self.lock = asyncio.Lock()
        self._queue: list[_PendingBatch] = []
        self._drainer: asyncio.Task[None] | None = None
        self.observer: MeetObserver | None = None
        self.last_active = time.monotonic()  # for unloading meets nobody uses
        # Set from config by the registry when it serves the meet.
        self.recovery_wait_seconds = 5.0
        self.recovery_retry_seconds = 60.0
        self.pull_page_size = 500
        self.pull_page_bytes = 1024 * 1024
        self.max_connections = 200
        self.loop_share = LoopShare(0.01)  # the server's, shared with every meet
        self._recovery: _Recovery | None = None
        # session id -> monotonic time before which its pull-ahead starts no recovery
        self._recovery_refused_until: dict[str, float] = {}

    @property
    def meet_id(self) -> str:
        return self.meet.meet_id

    @property
    def published(self) -> bool:
        return self.meet.published

    def attach(self, peer: Peer) -> None:
        """Count a protocol socket as the meet's (joined, created or by its token);
        refused once the meet has max_connections of them."""
        if peer not in self.peers and len(self.peers) >= self.max_connections:
            raise Rejected(errors.JOIN_TOO_MANY_CONNECTIONS)
        self.peers.add(peer)
        self.touch()

    def detach(self, peer: Peer) -> None:
        self.peers.discard(peer)
        self.touch()
        recovery = self._recovery
        if recovery is not None and peer in recovery.asked and peer not in recovery.answered:
            recovery.asked.discard(peer)  # gone: do not wait the full time for it
            if recovery.asked <= recovery.answered:
                recovery.everyone_answered.set()

    def touch(self) -> None:
        self.last_active = time.monotonic()

    def is_idle(self) -> bool:
        """Nothing in flight and nobody attached: safe to drop from memory."""
        return not self.peers and not self._queue and not self.lock.locked() and self._recovery is None

    def updating_peers(self) -> list[Peer]:
        return [p for p in self.peers if p.location is not None]

    def submit(self, peer: Peer, location: str, session_id: str, updates: list[Update]) -> "asyncio.Future[BatchOutcome]":
        """Queue a batch in arrival order; the future resolves once its answers are sent."""
        pending = _PendingBatch(peer, location, session_id, updates, asyncio.get_running_loop().create_future())
        self._queue.append(pending)
        self.touch()
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.ensure_future(self._drain())
        return pending.done

    async def _drain(self) -> None:
        while self._queue:
            async with self.lock:
                round_, self._queue = self._queue, []
                try:
                    await self._commit(round_)
                except Exception:  # a bug must not leave callers waiting or unanswered
                    log.exception("commit failed", extra={"meetId": self.meet_id})
                    for pending in round_:
                        if not pending.done.done():
                            pending.peer.send(self.replies.update_rejected(self._failure(pending, errors.INTERNAL_ERROR).rejections))
                            pending.done.set_result(BatchOutcome())

    async def _commit(self, round_: list[_PendingBatch]) -> None:
        start_head = self.meet.head
        now = time.time()
        try:
            outcomes = await self._judge(round_, now)
        except BaseException:
            self.meet.rollback_to(start_head)
            raise
        entries = [entry for outcome in outcomes for entry in outcome.accepted]
        if entries:
            started = time.perf_counter()
            try:
                await self.io.run(self.files.append, entries)
            except Exception as error:  # memory must never hold what the disk does not
                log.error("could not store updates", exc_info=not isinstance(error, StorageError), extra={"meetId": self.meet_id, "error": str(error)})
                self.meet.rollback_to(start_head)
                outcomes = [self._failure(p, errors.UPDATE_STORAGE_FAILED, retry=True) for p in round_]
                entries = []
            else:
                if self.observer is not None:
                    self.observer.committed(len(entries), time.perf_counter() - started)
        self.durable_head = self.meet.head
        for pending, outcome in zip(round_, outcomes):
            self._answer(pending.peer, outcome)
            if self.observer is not None:
                self.observer.answered(outcome, time.perf_counter() - pending.arrived)
            pending.done.set_result(outcome)
        if entries:
            self._notify(entries)

    async def _judge(self, round_: list[_PendingBatch], now: float) -> list[BatchOutcome]:
        """Judge the round's updates in order. Under the meet's lock, but past a time
        slice of work it takes turns with other meets' long jobs and rests (``LoopShare``;
        nobody reads this meet's state before the round is durable: readers take the lock
        too)."""
        outcomes = []
        time_slice = self.loop_share.slice(self)
        try:
            for pending in round_:
                outcome = BatchOutcome()
                for update in pending.updates:
                    self.meet.apply(pending.location, pending.session_id, update, now, outcome)
                    await time_slice.tick()
                outcomes.append(outcome)
        finally:
            time_slice.close()
        return outcomes

    def _failure(self, pending: _PendingBatch, reason: str, retry: bool = False) -> BatchOutcome:
        """Every update of the batch refused, not as a conflict (``retry``: nothing was
        decided, the client keeps the edits and sends them again)."""
        outcome = BatchOutcome()
        for update in pending.updates:
            outcome.rejections.append(self.meet.rejection(update, conflict=False, reason=reason, outcome=outcome, retry=retry))
        return outcome

    def _answer(self, sender: Peer, outcome: BatchOutcome) -> None:
        if outcome.acks:
            sender.send(self.replies.update_ack(outcome.acks))
        if outcome.rejections:
            sender.send(self.replies.update_rejected(outcome.rejections))
        if outcome.accepted and any(peer is not sender for peer in self.peers):  # encoded only for someone
            self.broadcast(self.replies.encode(self.replies.update_relay(outcome.accepted)), skip=sender)

    def broadcast(self, frame: str, skip: Peer | None = None) -> None:
        """Send one encoded frame to every peer but ``skip`` (peers queue, never block)."""
        for peer in list(self.peers):
            if peer is not skip:
                peer.send(frame)

    def _notify(self, entries: list[LogEntry]) -> None:
        for listener in list(self.listeners):
            try:
                listener(self, entries)
            except Exception:
                log.exception("meet change listener failed", extra={"meetId": self.meet_id})

    def pull(self, after_seq: int) -> tuple[list[LogEntry], bool]:
        """Durable entries after ``after_seq`` (one page, bounded in count and bytes)
        and whether more follow."""
        self.touch()
        end = self.meet.page_end(after_seq, self.durable_head, self.pull_page_size, self.pull_page_bytes)
        return self.meet.log[after_seq:end], end < self.durable_head

    # ---- recovery of lost server state ------------------------------------------------

    def recover(self, requester: Peer, session_id: str) -> None:
        """A client is ahead of the server: ask it and every updating peer for their
        logs after our head. Updates wait until the restored entries are durable.
        A published meet is never recovered, nor is one for a session whose last
        pull-ahead recovered nothing (for ``recovery_retry_seconds``): that client gets
        the server's log and rebases on it."""
        now = time.monotonic()
        if self.published or self._recovery_refused_until.get(session_id, 0.0) > now:
            entries, more = self.pull(min(self.agreed_head, self.durable_head))
            requester.send(self.replies.server_pull(self.durable_head, entries, more))
            return
        if self._recovery is None:
            self._recovery = _Recovery(set(self.updating_peers()) | {requester})
            log.warning("server behind a client; recovering from clients", extra={"meetId": self.meet_id, "head": self.durable_head, "asked": len(self._recovery.asked)})
            frame = self.replies.encode(self.replies.recovery_request(self.durable_head))
            for peer in self._recovery.asked:
                peer.send(frame)
            self._recovery.task = asyncio.ensure_future(self._run_recovery(self._recovery))
        elif requester not in self._recovery.asked:
            self._recovery.asked.add(requester)
            requester.send(self.replies.recovery_request(self.durable_head))
        self._recovery.requesters.add(session_id)

    def offer_recovery(self, peer: Peer, location: str, updates: list[Any]) -> None:
        """Take one RECOVERY_UPDATES answer: only from a connection that was asked, only
        while the recovery is open, once. The answer's rank is its session's location
        priority, never anything it claims."""
        recovery = self._recovery
        if recovery is None or not recovery.open or peer not in recovery.asked or peer in recovery.answered:
            return
        recovery.answered.add(peer)
        recovery.answers.append(RecoveryAnswer(self.meet.endpoints[location], updates))
        if recovery.asked <= recovery.answered:
            recovery.everyone_answered.set()

    async def _run_recovery(self, recovery: "_Recovery") -> None:
        try:
            async with self.lock:
                try:
                    await asyncio.wait_for(recovery.everyone_answered.wait(), self.recovery_wait_seconds)
                except asyncio.TimeoutError:
                    pass
                recovery.open = False
                from_seq = self.meet.head
                ranked = sorted(recovery.answers, key=lambda a: -a.answerer.priority)  # stable: first come first
                merged = merge_recovered(from_seq, ranked, self.meet.endpoints, time.time())
                # Published while this recovery waited for the lock: it takes nothing.
                restored = [] if self.published else await self._restore(merged)
                if restored:
                    try:
                        await self.io.run(self.files.append, restored)
                    except BaseException:
                        self.meet.rollback_to(from_seq)
                        raise
                    self.durable_head = self.meet.head
                else:
                    self._refuse_recoveries_from(recovery.requesters)
                log.warning("recovery finished", extra={"meetId": self.meet_id, "answers": len(ranked), "restored": len(restored), "head": self.durable_head})
                # Bring everyone to the same log: send it from the last point all agreed
                # on; a client whose log differs there (or is longer) rebases on ours.
                resend_from = min(self.agreed_head, from_seq)
                entries, more = self.pull(resend_from)
                frame = self.replies.encode(self.replies.server_pull(self.durable_head, entries, more))
                for peer in self.updating_peers():
                    peer.send(frame)
                self.agreed_head = self.durable_head
                if restored:
                    self._notify(restored)
        except Exception:
            log.exception("recovery failed", extra={"meetId": self.meet_id})
        finally:
            self._recovery = None

    async def _restore(self, merged: list[LogEntry]) -> list[LogEntry]:
        """Append recovered entries in order while they fit the meet's bounds (the first
        that does not ends it), letting other meets run between slices: an answer may
        hold tens of thousands of entries."""
        restored: list[LogEntry] = []
        time_slice = self.loop_share.slice(self)
        try:
            for entry in merged:
                if not self.meet.restore(entry):
                    break
                restored.append(entry)
                await time_slice.tick()
        finally:
            time_slice.close()
        return restored

    def _refuse_recoveries_from(self, session_ids: set[str]) -> None:
        now = time.monotonic()
        self._recovery_refused_until = {s: t for s, t in self._recovery_refused_until.items() if t > now}
        for session_id in session_ids:
            self._recovery_refused_until[session_id] = now + self.recovery_retry_seconds


@dataclasses.dataclass
class _Recovery:
    asked: set[Any]
    answered: set[Any] = dataclasses.field(default_factory=set)
    answers: list[RecoveryAnswer] = dataclasses.field(default_factory=list)
    requesters: set[str] = dataclasses.field(default_factory=set)  # sessions that pulled ahead
    open: bool = True  # answers are taken only until the wait is over
    everyone_answered: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)
    task: "asyncio.Task[None] | None" = None
