"""One meet in memory: its log, materialized state, per-key history and sequence numbers.

Pure and synchronous. ``apply`` is the only way a client's update enters a meet; the
async layer (``live.py``) decides when it runs and makes the result durable before
anyone hears of it. Every cost here is bounded by configuration (``MeetLimits``): the
work to judge one update, the nulls one update may pad, the log and state of a meet,
and the bytes of server values in one batch's answer.
"""

from __future__ import annotations

import bisect
import dataclasses
from typing import Any, Iterable

from openlifter.meet.budget import WorkBudget
from openlifter.meet.conflicts import judge_update
from openlifter.meet.history import KeyHistory
from openlifter.meet.jsonvalue import (
    MISSING,
    WriteEffect,
    copy_json,
    encoded_size,
    encoded_size_within,
    get_in,
    json_equal,
    set_in,
    write_effect,
)
from openlifter.meet.keys import Path, parse_accepted_key
from openlifter.storage.store import LogEntry

REASON_CONFLICT = "a location of equal or higher priority changed this after you last synced"
REASON_AHEAD = "afterServerSeqNum is ahead of the server; send CLIENT_PULL first"
REASON_PUBLISHED = "the meet is published and accepts no more updates"
REASON_PADDING = "the [n] indices of this key would add more than {limit} null elements (max_padding_per_update)"
REASON_LOG_FULL = "meet is full: its log has reached {limit} bytes (max_meet_log_bytes)"
REASON_STATE_FULL = "meet is full: its state would grow past {limit} bytes (max_meet_state_bytes)"
REASON_RESENT = "localSeqNum {local} was already used by this session for another update; send it with a new localSeqNum"

# Bytes a log line spends besides its key, value and location name (field names, numbers).
LOG_LINE_OVERHEAD = 200
NULL_BYTES = len("null,")


@dataclasses.dataclass(frozen=True)
class MeetLimits:
    """What one meet may hold and spend (from config; see config.py for each)."""

    max_padding_per_update: int = 1000
    max_log_bytes: int = 64 * 1024 * 1024
    max_state_bytes: int = 16 * 1024 * 1024
    max_server_value_bytes: int = 64 * 1024
    max_rejection_values_bytes: int = 1024 * 1024
    conflict_check_steps: int = 2000


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
    # Bytes of ``value`` as compact JSON when the edge measured it (None: measure on use).
    measured_bytes: int | None = dataclasses.field(default=None, compare=False)

    @property
    def value_bytes(self) -> int:
        return encoded_size(self.value) if self.measured_bytes is None else self.measured_bytes


@dataclasses.dataclass(frozen=True)
class Rejection:
    local_seq: int
    conflict: bool
    reason: str
    server_value: Any  # a copy; None when omitted
    server_seq: int
    server_value_omitted: bool = False
    retry: bool = False  # nothing was decided (the update could not be stored): the client sends it again


@dataclasses.dataclass
class BatchOutcome:
    accepted: list[LogEntry] = dataclasses.field(default_factory=list)
    acks: list[tuple[int, int]] = dataclasses.field(default_factory=list)  # (localSeqNum, serverSeqNum)
    rejections: list[Rejection] = dataclasses.field(default_factory=list)
    overruled: int = 0  # accepted updates that overruled a lower-priority rival
    server_value_bytes: int = 0  # bytes of serverValues sent, or measured and left out, so far


class Meet:
    def __init__(
        self, meet_id: str, endpoints: Iterable[Endpoint], *, published: bool = False, limits: MeetLimits = MeetLimits()
    ) -> None:
        self.meet_id = meet_id
        self.endpoints = {e.name: e for e in endpoints}
        self.published = published
        self.limits = limits
        self.log: list[LogEntry] = []
        self.state: dict[str, Any] = {}
        self.history = KeyHistory()
        # Bytes of the log up to and including each entry (for byte-bounded pages).
        self._log_ends: list[int] = []
        self.state_bytes = 2  # "{}", grown and shrunk with every write
        # (sessionId, localSeqNum) -> serverSeqNum: a batch resent after a lost ACK is
        # acknowledged again, not applied twice.
        self._applied: dict[tuple[str, int], int] = {}
        # Keys whose value was measured too large for a rejection (path -> the room it
        # did not fit), valid while the head is ``_oversized_head``: a batch of rejections
        # at one big subtree measures it once, not once per rejection.
        self._oversized: dict[Path, int] = {}
        self._oversized_head = 0

    @property
    def head(self) -> int:
        return len(self.log)

    @property
    def log_bytes(self) -> int:
        return self._log_ends[-1] if self._log_ends else 0

    def priority_of(self, location: str) -> int:
        return self.endpoints[location].priority

    def replay(self, entries: Iterable[LogEntry]) -> int:
        """Rebuild from stored entries (already checked to be gapless). An entry whose
        [n] indices would pad more than the limit (stored before the limit existed) stays
        in the log but is not applied to the state. Returns how many were left out."""
        left_out = 0
        for entry in entries:
            path = parse_accepted_key(entry.key)
            fits = write_effect(self.state, path).padding <= self.limits.max_padding_per_update
            left_out += not fits
            self._append(entry, path, encoded_size(entry.value), apply=fits)
        return left_out

    def restore(self, entry: LogEntry) -> bool:
        """Append a recovered entry (the next seq) if it fits the meet's bounds."""
        path = parse_accepted_key(entry.key)
        size = encoded_size(entry.value)
        if self._refusal(entry.key, path, size, entry.location) is not None:
            return False
        self._append(entry, path, size)
        return True

    def _append(self, entry: LogEntry, path: Path, value_bytes: int, *, apply: bool = True) -> None:
        self.log.append(entry)
        self._log_ends.append(self.log_bytes + _line_bytes(entry.key, value_bytes, entry.location))
        if apply:
            effect = write_effect(self.state, path)
            self.state_bytes += _growth(effect, value_bytes) - _size(effect.discarded)
            set_in(self.state, path, entry.value)
            self.history.add(path, entry)
        if entry.session_id is not None and entry.local_seq is not None:
            self._applied[(entry.session_id, entry.local_seq)] = entry.server_seq

    def _refusal(self, key: str, path: Path, value_bytes: int, location: str) -> str | None:
        """Why writing this would break one of the meet's bounds (None if it fits)."""
        limits = self.limits
        effect = write_effect(self.state, path)
        if effect.padding > limits.max_padding_per_update:
            return REASON_PADDING.format(limit=limits.max_padding_per_update)
        if self.log_bytes + _line_bytes(key, value_bytes, location) > limits.max_log_bytes:
            return REASON_LOG_FULL.format(limit=limits.max_log_bytes)
        growth = _growth(effect, value_bytes)
        if self.state_bytes + growth > limits.max_state_bytes:
            # Measuring what the write discards costs its size, so only near the limit:
            # a write that frees as much as it adds is always allowed.
            net = growth - _size(effect.discarded)
            if net > 0 and self.state_bytes + net > limits.max_state_bytes:
                return REASON_STATE_FULL.format(limit=limits.max_state_bytes)
        return None

    def value_at(self, path: Path) -> Any:
        value = get_in(self.state, path)
        return None if value is MISSING else value

    def apply_batch(self, location: str, session_id: str, updates: Iterable[Update], now: float) -> BatchOutcome:
        """Judge each update in order against the log and append the accepted ones."""
        outcome = BatchOutcome()
        for update in updates:
            self.apply(location, session_id, update, now, outcome)
        return outcome

    def apply(self, location: str, session_id: str, update: Update, now: float, outcome: BatchOutcome) -> None:
        """Judge one update and append it if accepted; its answer goes into ``outcome``.
        The work is bounded by the limits, not by the size of the meet."""
        already = self._applied.get((session_id, update.local_seq))
        if already is not None:
            # A full comparison: it costs no more than reading the value that was sent.
            earlier = self.log[already - 1]
            if earlier.key == update.key and json_equal(earlier.value, update.value):
                outcome.acks.append((update.local_seq, already))
            else:
                reason = REASON_RESENT.format(local=update.local_seq)
                outcome.rejections.append(self.rejection(update, conflict=False, reason=reason, outcome=outcome))
            return
        if self.published or update.after_seq > self.head:
            reason = REASON_PUBLISHED if self.published else REASON_AHEAD
            outcome.rejections.append(self.rejection(update, conflict=False, reason=reason, outcome=outcome))
            return
        priority = self.priority_of(location)
        budget = WorkBudget(self.limits.conflict_check_steps)
        verdict = judge_update(self.history, update.path, update.value, location, priority, update.after_seq, budget)
        if not verdict.accepted:
            outcome.rejections.append(self.rejection(update, conflict=True, reason=REASON_CONFLICT, outcome=outcome))
            return
        value_bytes = update.value_bytes
        refusal = self._refusal(update.key, update.path, value_bytes, location)
        if refusal is not None:
            outcome.rejections.append(self.rejection(update, conflict=False, reason=refusal, outcome=outcome))
            return
        entry = LogEntry(self.head + 1, update.key, update.value, location, priority, update.local_seq, now, session_id)
        self._append(entry, update.path, value_bytes)
        outcome.accepted.append(entry)
        outcome.acks.append((update.local_seq, entry.server_seq))
        outcome.overruled += verdict.overrules

    def rejection(self, update: Update, *, conflict: bool, reason: str, outcome: BatchOutcome, retry: bool = False) -> Rejection:
        """A refusal carrying a copy of the value now at the key, left out when it is
        larger than max_server_value_bytes or than what the batch's answer has left."""
        room = max(0, min(self.limits.max_server_value_bytes, self.limits.max_rejection_values_bytes - outcome.server_value_bytes))
        value = self.value_at(update.path)
        size = self._size_within(update.path, value, room)
        seq = self.history.latest_overlapping_seq(update.path)
        if size is None:
            # Measuring it cost as much as sending it would have: the batch's budget
            # pays for that too, so a batch of rejections costs bounded work in all.
            outcome.server_value_bytes += room
            return Rejection(update.local_seq, conflict, reason, None, seq, server_value_omitted=True, retry=retry)
        outcome.server_value_bytes += size
        return Rejection(update.local_seq, conflict, reason, copy_json(value), seq, retry=retry)

    def _size_within(self, path: Path, value: Any, room: int) -> int | None:
        """``encoded_size_within(value, room)``, remembering for this head which keys
        did not fit (the state changes only when the head moves)."""
        if self._oversized_head != self.head:
            self._oversized, self._oversized_head = {}, self.head
        did_not_fit = self._oversized.get(path)
        if did_not_fit is not None and room <= did_not_fit:
            return None
        size = encoded_size_within(value, room)
        if size is None:
            self._oversized[path] = room
        return size

    def page_end(self, after_seq: int, last_seq: int, max_count: int, max_bytes: int) -> int:
        """The last seq of a page after ``after_seq``: at most ``max_count`` entries and
        ``max_bytes`` bytes, never past ``last_seq``, at least one entry if any."""
        end = min(last_seq, after_seq + max_count)
        if end <= after_seq:
            return after_seq
        start_bytes = self._log_ends[after_seq - 1] if after_seq > 0 else 0
        by_bytes = bisect.bisect_right(self._log_ends, start_bytes + max_bytes, after_seq, end)
        return max(by_bytes, after_seq + 1)

    def rollback_to(self, head: int) -> None:
        """Forget entries after ``head`` (a group commit that did not reach the disk)."""
        kept = self.log[:head]
        self.log, self.state, self.history, self._applied = [], {}, KeyHistory(), {}
        self._oversized = {}
        self._log_ends, self.state_bytes = [], 2
        self.replay(kept)


def _line_bytes(key: str, value_bytes: int, location: str) -> int:
    return len(key) + value_bytes + len(location.encode("utf-8")) + LOG_LINE_OVERHEAD


def _growth(effect: WriteEffect, value_bytes: int) -> int:
    """How much a write adds to the state: its value, the nulls it pads, and the keys,
    commas and brackets it creates around them."""
    return value_bytes + effect.padding * NULL_BYTES + effect.new_structure


def _size(discarded: Any) -> int:
    return 0 if discarded is MISSING else encoded_size(discarded)
