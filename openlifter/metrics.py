"""Prometheus metrics of one server, in a registry of its own (no global state).

Names and meanings follow the seed server (``openlifter_ws_connections_total`` opened,
``openlifter_ws_active`` open now, ...), plus the process collector (memory, CPU, open
files) and the fsync and relay timings of the embedded store.
"""

from __future__ import annotations

import time
from typing import Any, Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from openlifter.gcpolicy import watch_gc
from openlifter.meet.meet import BatchOutcome

CONTENT_TYPE = CONTENT_TYPE_LATEST
_FAST = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
_BATCH = (1, 2, 5, 10, 20, 50, 100, 500, 1000, 5000)


class ServerMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        ProcessCollector(registry=r)
        self.ws_opened = Counter("openlifter_ws_connections", "WebSockets opened (updating and display).", registry=r)
        self.ws_active = Gauge("openlifter_ws_active", "WebSockets open now (updating and display).", registry=r)
        self.meets_created = Counter("openlifter_meets_created", "Meets created.", registry=r)
        self.meets_joined = Counter("openlifter_meets_joined", "Successful JOIN_MEETs.", registry=r)
        self.meets_loaded = Gauge("openlifter_meets_loaded", "Meets held in memory.", registry=r)
        self.display_copies = Gauge(
            "openlifter_display_copies", "Read-only copies of meets other processes serve, kept for this process's displays (storage = redis).", registry=r
        )
        self.messages = Counter("openlifter_messages", "Client messages received, by msgType.", ["msg_type"], registry=r)
        self.connections_refused = Counter(
            "openlifter_connections_refused", "Connections answered 503 and closed before being served, by the limit that refused them.", ["limit"], registry=r
        )
        self.handler_duration = Histogram(
            "openlifter_handler_duration_seconds", "Time to handle one client message, by msgType.", ["msg_type"], buckets=_FAST, registry=r
        )
        self.updates_accepted = Counter("openlifter_updates_accepted", "Updates accepted (acknowledged with a server seq).", registry=r)
        self.updates_rejected = Counter("openlifter_updates_rejected", "Updates rejected (conflict or refusal).", registry=r)
        self.batch_size = Histogram("openlifter_update_batch_size", "Updates in one client UPDATE_INIT batch.", buckets=_BATCH, registry=r)
        self.conflicts = Counter(
            "openlifter_update_conflicts", "Updates that had a concurrent rival, by resolution (overruled or rejected).", ["resolution"], registry=r
        )
        self.fsync = Histogram("openlifter_fsync_seconds", "Time to append and fsync one group commit.", buckets=_FAST, registry=r)
        self.group_size = Histogram("openlifter_group_commit_updates", "Updates written by one group commit.", buckets=_BATCH, registry=r)
        self.relay_latency = Histogram(
            "openlifter_relay_latency_seconds", "From an UPDATE_INIT's arrival to its answers and relays being queued.", buckets=_FAST, registry=r
        )

        self.gc_pause = Histogram(
            "openlifter_gc_pause_seconds", "Garbage collections of the server process (they hold the event loop), by generation.",
            ["generation"], buckets=_FAST, registry=r,
        )
        self._gc_started = 0.0

    def on_gc(self, phase: str, info: dict[str, Any]) -> None:
        """A ``gc.callbacks`` hook: time each collection."""
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.gc_pause.labels(str(info.get("generation", ""))).observe(time.perf_counter() - self._gc_started)

    def watch_gc(self, on: bool) -> None:
        """Start (or stop) timing this process's garbage collections."""
        watch_gc(self.on_gc, on)

    def watch(self, connections: Callable[[], int], meets_loaded: Callable[[], int]) -> None:
        self.ws_active.set_function(connections)
        self.meets_loaded.set_function(meets_loaded)

    # ---- the hooks the sockets, connections, registry and meets call ------------------

    def socket_opened(self) -> None:
        self.ws_opened.inc()

    def message(self, msg_type: str) -> None:
        self.messages.labels(msg_type).inc()

    def refused(self, limit: str) -> None:
        """A connection refused at the rim (``limit``: the option that refused it)."""
        self.connections_refused.labels(limit).inc()

    def handled(self, msg_type: str, seconds: float) -> None:
        self.handler_duration.labels(msg_type).observe(seconds)

    def meet_created(self) -> None:
        self.meets_created.inc()

    def meet_joined(self) -> None:
        self.meets_joined.inc()

    def committed(self, updates: int, fsync_seconds: float) -> None:
        self.fsync.observe(fsync_seconds)
        self.group_size.observe(updates)

    def answered(self, outcome: BatchOutcome, latency_seconds: float) -> None:
        accepted, rejected = len(outcome.acks), len(outcome.rejections)
        self.batch_size.observe(accepted + rejected)
        self.updates_accepted.inc(accepted)
        self.updates_rejected.inc(rejected)
        conflicts = sum(1 for r in outcome.rejections if r.conflict)
        if conflicts:
            self.conflicts.labels("rejected").inc(conflicts)
        if outcome.overruled:
            self.conflicts.labels("overruled").inc(outcome.overruled)
        self.relay_latency.observe(latency_seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
