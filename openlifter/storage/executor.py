"""Runs blocking file work on a thread pool so the IOLoop never waits on a disk."""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
from typing import Any, Callable, TypeVar

T = TypeVar("T")


class StorageExecutor:
    def __init__(self, threads: int) -> None:
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=threads, thread_name_prefix="storage")

    async def run(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(function, *args, **kwargs))

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)
