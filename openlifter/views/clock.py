"""The attempt clock of each platform, shared under ``live.clock.d<day>p<platform>``.

The scoring table writes ``{startedAt, durationMs, running}`` in server time (ms since
the epoch, the table's own clock corrected by the ``serverTime`` of the display feed):
while running, the time left at server time ``t`` is ``durationMs - (t - startedAt)``;
stopped, it is ``durationMs``. Pages count down from this in the browser, in step with
the server, so the clock costs a feed frame only when it is started, stopped or reset.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

ATTEMPT_CLOCK_MS = 60_000  # IPF: one minute from the bar being loaded
WARNING_MS = 30_000  # the pages warn at 30 s left, and again at 0
MAX_CLOCK_MS = 3_600_000  # a clock longer than an hour is a typo, not a rule


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def clock_view(raw: Any) -> dict[str, Any]:
    """The clock a page shows for a platform's raw ``live.clock`` value (anything a client
    sent): a value that makes no sense shows a stopped one-minute clock, never an error."""
    if not isinstance(raw, Mapping):
        raw = {}
    duration = _finite(raw.get("durationMs"))
    started = _finite(raw.get("startedAt"))
    if duration is None or duration < 0:
        duration = ATTEMPT_CLOCK_MS
    duration = min(duration, MAX_CLOCK_MS)
    running = raw.get("running") is True and started is not None
    return {
        "running": running,
        "startedAt": int(started) if running and started is not None else None,
        "durationMs": int(duration),
        "warningMs": WARNING_MS,
        "text": clock_text(duration),
    }


def clock_text(ms: float) -> str:
    """``m:ss`` of the time left, counting whole seconds up (0:01 until it is out)."""
    seconds = max(0, math.ceil(ms / 1000))
    return f"{seconds // 60}:{seconds % 60:02d}"
