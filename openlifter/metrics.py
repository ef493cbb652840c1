"""Prometheus metrics of one server, in a registry of its own (no global state)."""

from __future__ import annotations

from typing import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from openlifter.meet.meet import BatchOutcome

CONTENT_TYPE = CONTENT_TYPE_LATEST
_FAST = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class ServerMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.messages = Counter("openlifter_messages", "Client messages received, by msgType.", ["msg_type"], registry=r)
        self.updates = Counter("openlifter_updates", "Updates answered, by outcome (accepted or rejected).", ["outcome"], registry=r)
        self.conflicts = Counter(
            "openlifter_update_conflicts", "Updates that had a concurrent rival, by resolution (overruled or rejected).", ["resolution"], registry=r
        )
        self.fsync = Histogram("openlifter_fsync_seconds", "Time to append and fsync one group commit.", buckets=_FAST, registry=r)
        self.group_size = Histogram(
            "openlifter_group_commit_updates", "Updates written by one group commit.", buckets=(1, 2, 5, 10, 20, 50, 100, 500, 1000), registry=r
        )
        self.relay_latency = Histogram(
            "openlifter_relay_latency_seconds", "From an UPDATE_INIT's arrival to its answers and relays being queued.", buckets=_FAST, registry=r
        )
        self.connections = Gauge("openlifter_connections", "Open WebSockets (updating and display).", registry=r)
        self.meets_loaded = Gauge("openlifter_meets_loaded", "Meets held in memory.", registry=r)

    def watch(self, connections: Callable[[], int], meets_loaded: Callable[[], int]) -> None:
        self.connections.set_function(connections)
        self.meets_loaded.set_function(meets_loaded)

    # ---- the hooks the meets and connections call ----------------------------------------

    def message(self, msg_type: str) -> None:
        self.messages.labels(msg_type).inc()

    def committed(self, updates: int, fsync_seconds: float) -> None:
        self.fsync.observe(fsync_seconds)
        self.group_size.observe(updates)

    def answered(self, outcome: BatchOutcome, latency_seconds: float) -> None:
        accepted = len(outcome.acks)
        rejected = len(outcome.rejections)
        if accepted:
            self.updates.labels("accepted").inc(accepted)
        if rejected:
            self.updates.labels("rejected").inc(rejected)
        conflicts = sum(1 for r in outcome.rejections if r.conflict)
        if conflicts:
            self.conflicts.labels("rejected").inc(conflicts)
        if outcome.overruled:
            self.conflicts.labels("overruled").inc(outcome.overruled)
        self.relay_latency.observe(latency_seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
