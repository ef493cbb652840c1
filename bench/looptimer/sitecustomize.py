"""Where the event loop's time goes, in any Python process started with this folder on
``PYTHONPATH`` (the server a bench starts inherits it):

    PYTHONPATH=bench/looptimer LOOPTIMER_MS=4 .venv/bin/python bench/abuse.py --attacks join-flood

Each process appends to ``$LOOPTIMER_DIR/loop-<pid>.log`` (default: the temp
folder) one line for every callback and every pass of its asyncio loop (a pass runs every
callback that was ready) that took longer than ``LOOPTIMER_MS``, with the CPU
time beside the wall time (wall far above CPU: the OS or another thread held this one, not
its code) and, for a long pass, the kinds of callbacks that were ready; and every garbage
collection longer than half of it. How issue 7's slow passes and collections were found
(docs/benchmarks.md). Without the variable it does nothing. (Not ``OPENLIFTER_*``: the
benches start their servers without those, so that no option leaks into them.)
"""

from __future__ import annotations

import collections
import gc
import os
import selectors
import sys
import tempfile
import time
from typing import Any, TextIO

_LIMIT_MS = os.environ.get("LOOPTIMER_MS")


class _Log:
    def __init__(self) -> None:
        self.file: TextIO | None = None

    def write(self, text: str) -> None:
        if self.file is None:
            folder = os.environ.get("LOOPTIMER_DIR", tempfile.gettempdir())
            self.file = open(os.path.join(folder, f"loop-{os.getpid()}.log"), "a", buffering=1)
            self.file.write(" ".join(sys.argv[:3]) + "\n")
        self.file.write(f"{time.time():.3f} {text}\n")


def _kind(handle: Any) -> str:
    callback = getattr(handle, "_callback", None)
    name = getattr(callback, "__qualname__", None) or type(callback).__name__
    get_coro = getattr(getattr(callback, "__self__", None), "get_coro", None)  # a task's step
    coro = get_coro() if get_coro is not None else None
    return f"{name}:{coro.__qualname__}" if coro is not None else name


def _install(limit: float) -> None:
    import asyncio.base_events
    import asyncio.events

    log = _Log()
    run_handle = asyncio.events.Handle._run
    run_once = asyncio.base_events.BaseEventLoop._run_once  # type: ignore[attr-defined]
    select = selectors.EpollSelector.select
    selected = [0.0]

    def timed_run(self: Any) -> None:
        wall, cpu = time.perf_counter(), time.thread_time()
        run_handle(self)
        took = time.perf_counter() - wall
        if took > limit:
            log.write(f"callback {1000 * took:.1f}ms cpu={1000 * (time.thread_time() - cpu):.1f}ms {_kind(self)}")

    def timed_select(self: Any, timeout: float | None = None) -> Any:
        ready = select(self, timeout)
        selected[0] = time.perf_counter()  # a pass is timed from here: not its wait for events
        return ready

    def timed_pass(self: Any) -> None:
        cpu = time.thread_time()
        ready = list(self._ready)  # named only if the pass turns out long: naming costs
        run_once(self)
        took = time.perf_counter() - selected[0]
        if took > limit:
            waiting = collections.Counter(_kind(handle) for handle in ready)
            log.write(f"pass {1000 * took:.1f}ms cpu={1000 * (time.thread_time() - cpu):.1f}ms ready before: {waiting.most_common(6)}")

    started = [0.0]

    def timed_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
            return
        took = time.perf_counter() - started[0]
        if took > limit / 2:
            log.write(f"gc generation {info.get('generation')} {1000 * took:.1f}ms collected={info.get('collected')}")

    asyncio.events.Handle._run = timed_run  # type: ignore[method-assign]
    asyncio.base_events.BaseEventLoop._run_once = timed_pass  # type: ignore[attr-defined]
    selectors.EpollSelector.select = timed_select  # type: ignore[method-assign]
    gc.callbacks.append(timed_gc)


if _LIMIT_MS:
    _install(float(_LIMIT_MS) / 1000)
