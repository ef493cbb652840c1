"""Rebuilding a lost log tail from clients' canonical logs (SPEC section 2, Pull and
Recovery trust).

Answers are taken highest priority first: the first answer's entries keep their seq
numbers, contiguous from the server's head up to the first gap; later answers only fill
seqs still missing. The result is always gapless from ``head + 1``. An answer can only
vouch for its own rank: an entry naming a location of higher priority than the
answering session's is stored under the answering session's location.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterable, Mapping, Sequence

from openlifter.meet.meet import Endpoint
from openlifter.storage.store import LogEntry


@dataclasses.dataclass(frozen=True)
class RecoveryAnswer:
    """One session's RECOVERY_UPDATES: who answered, and the entries it sent
    (each with ``server_seq``, ``key``, ``value``, ``location_name``)."""

    answerer: Endpoint
    entries: Iterable[Any]


def merge_recovered(
    head: int,
    answers: Sequence[RecoveryAnswer],
    endpoints: Mapping[str, Endpoint],
    now: float,
) -> list[LogEntry]:
    """``answers`` are ordered highest answering priority first. Entries naming an
    unknown location are ignored; each restored entry gets its location's priority."""
    chosen: dict[int, tuple[Any, Endpoint]] = {}
    for position, answer in enumerate(answers):
        offered = {u.server_seq: u for u in answer.entries if u.server_seq > head and u.location_name in endpoints}
        if position == 0:
            seq = head + 1
            while seq in offered:
                chosen[seq] = (offered[seq], answer.answerer)
                seq += 1
        else:
            for seq, update in offered.items():
                chosen.setdefault(seq, (update, answer.answerer))
    restored = []
    seq = head + 1
    while seq in chosen:
        update, answerer = chosen[seq]
        named = endpoints[update.location_name]
        stored_as = named if named.priority <= answerer.priority else answerer
        restored.append(LogEntry(seq, update.key, update.value, stored_as.name, stored_as.priority, None, now))
        seq += 1
    return restored
