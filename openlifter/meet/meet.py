"""One meet in memory: its log, materialized state, per-key history and sequence numbers.

Pure and synchronous. ``apply_batch`` is the only way an update enters a meet; the async
layer (``live.py``) decides when it runs and makes the result durable before anyone hears
of it.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterable

from openlifter.meet.conflicts import judge_update
from openlifter.meet.history import KeyHistory
from openlifter.meet.jsonvalue import MISSING, get_in, set_in
from openlifter.meet.keys import Path, parse_accepted_key
from openlifter.storage.meetfiles import LogEntry

REASON_CONFLICT = "a location of equal or higher priority changed this after you last synced"
REASON_AHEAD = "afterServerSeqNum is ahead of the server; send CLIENT_PULL first"
REASON_PUBLISHED = "the meet is published and accepts no more updates"


@dataclasses.dataclass(frozen=True)
class Endpoint:
    name: str
    priority: int


@dataclasses.dataclass(frozen=True)
class Update:
    """A validated client update with its parsed key."""

    key: str
    path: Path
    value: Any
    local_seq: int
    after_seq: int


@dataclasses.dataclass(frozen=True)
class Rejection:
    local_seq: int
    conflict: bool
    reason: str
    server_value: Any
    server_seq: int


@dataclasses.dataclass
class BatchOutcome:
    accepted: list[LogEntry] = dataclasses.field(default_factory=list)
    acks: list[tuple[int, int]] = dataclasses.field(default_factory=list)  # (localSeqNum, serverSeqNum)
    rejections: list[Rejection] = dataclasses.field(default_factory=list)
    overruled: int = 0  # accepted updates that overruled a lower-priority rival


class Meet:
    def __init__(self, meet_id: str, endpoints: Iterable[Endpoint], *, published: bool = False) -> None:
        self.meet_id = meet_id
        self.endpoints = {e.name: e for e in endpoints}
        self.published = published
        self.log: list[LogEntry] = []
        self.state: dict[str, Any] = {}
        self.history = KeyHistory()
        # (sessionId, localSeqNum) -> serverSeqNum: a batch resent after a lost ACK is
        # acknowledged again, not applied twice.
        self._applied: dict[tuple[str, int], int] = {}

    @property
    def head(self) -> int:
        return len(self.log)

    def priority_of(self, location: str) -> int:
        return self.endpoints[location].priority

    def replay(self, entries: Iterable[LogEntry]) -> None:
        """Rebuild from stored entries (already checked to be gapless)."""
        for entry in entries:
            self._append(entry, parse_accepted_key(entry.key))

    def _append(self, entry: LogEntry, path: Path) -> None:
        self.log.append(entry)
        set_in(self.state, path, entry.value)
        self.history.add(path, entry)
        if entry.session_id is not None and entry.local_seq is not None:
            self._applied[(entry.session_id, entry.local_seq)] = entry.server_seq

    def value_at(self, path: Path) -> Any:
        value = get_in(self.state, path)
        return None if value is MISSING else value

    def apply_batch(self, location: str, session_id: str, updates: Iterable[Update], now: float) -> BatchOutcome:
        """Judge each update in order against the log and append the accepted ones."""
        outcome = BatchOutcome()
        priority = self.priority_of(location)
        for update in updates:
            already = self._applied.get((session_id, update.local_seq))
            if already is not None:
                outcome.acks.append((update.local_seq, already))
                continue
            if self.published or update.after_seq > self.head:
                reason = REASON_PUBLISHED if self.published else REASON_AHEAD
                outcome.rejections.append(self._rejection(update, conflict=False, reason=reason))
                continue
            verdict = judge_update(self.history, update.path, update.value, location, priority, update.after_seq)
            if not verdict.accepted:
                outcome.rejections.append(self._rejection(update, conflict=True, reason=REASON_CONFLICT))
                continue
            entry = LogEntry(
                self.head + 1, update.key, update.value, location, priority, update.local_seq, now, session_id
            )
            self._append(entry, update.path)
            outcome.accepted.append(entry)
            outcome.acks.append((update.local_seq, entry.server_seq))
            outcome.overruled += verdict.overrules
        return outcome

    def _rejection(self, update: Update, *, conflict: bool, reason: str) -> Rejection:
        return Rejection(
            update.local_seq,
            conflict,
            reason,
            self.value_at(update.path),
            self.history.latest_overlapping_seq(update.path),
        )

    def rollback_to(self, head: int) -> None:
        """Forget entries after ``head`` (a group commit that did not reach the disk)."""
        kept = self.log[:head]
        self.log, self.state, self.history, self._applied = [], {}, KeyHistory(), {}
        self.replay(kept)
