"""Rebuilding a lost log tail from clients' canonical logs (SPEC section 2, Pull).

Answers are taken highest priority first: the first answer's entries keep their seq
numbers, contiguous from the server's head up to the first gap; later answers only fill
seqs still missing. The result is always gapless from ``head + 1``.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

from openlifter.meet.meet import Endpoint
from openlifter.storage.meetfiles import LogEntry


def merge_recovered(
    head: int,
    answers: Sequence[Iterable[Any]],
    endpoints: Mapping[str, Endpoint],
    now: float,
) -> list[LogEntry]:
    """``answers`` are lists of recovered entries (``server_seq``, ``key``, ``value``,
    ``location_name``), ordered highest answering priority first. Entries naming an
    unknown location are ignored; each restored entry gets its location's priority."""
    chosen: dict[int, Any] = {}
    for position, answer in enumerate(answers):
        offered = {u.server_seq: u for u in answer if u.server_seq > head and u.location_name in endpoints}
        if position == 0:
            seq = head + 1
            while seq in offered:
                chosen[seq] = offered[seq]
                seq += 1
        else:
            for seq, update in offered.items():
                chosen.setdefault(seq, update)
    restored = []
    seq = head + 1
    while seq in chosen:
        update = chosen[seq]
        priority = endpoints[update.location_name].priority
        restored.append(LogEntry(seq, update.key, update.value, update.location_name, priority, None, now))
        seq += 1
    return restored
