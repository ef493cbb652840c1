"""Changes an operator makes without a restart, seen through watchdog: an edited config
file (log level, limits) and edited overlay themes.

watchdog calls back on its own thread; every callback here is handed to the IOLoop, and a
burst of events for one file (an editor's write, rename and chmod) is handled once.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from pathlib import Path
from typing import Callable, Mapping

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from openlifter.config import FIELDS, RELOADABLE, Config, ConfigError, load_config

log = logging.getLogger(__name__)

SETTLE_SECONDS = 0.1  # events for one file within this time are one change


class _Forward(FileSystemEventHandler):
    def __init__(self, folder: Path, on_change: Callable[[Path], None], loop: asyncio.AbstractEventLoop) -> None:
        self.folder = folder
        self.on_change = on_change
        self.loop = loop
        self.pending: dict[Path, asyncio.TimerHandle] = {}

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type not in ("created", "modified", "moved", "deleted", "closed"):
            return
        path = Path(str(getattr(event, "dest_path", "") or event.src_path))
        self.loop.call_soon_threadsafe(self._settle, path)

    def _settle(self, path: Path) -> None:
        if path in self.pending:
            self.pending[path].cancel()
        self.pending[path] = self.loop.call_later(SETTLE_SECONDS, self._fire, path)

    def _fire(self, path: Path) -> None:
        del self.pending[path]
        try:
            self.on_change(path)
        except Exception:  # a bad callback must not stop the watching
            log.exception("handling a changed file failed", extra={"file": path.name})


class FolderWatcher:
    """One watchdog observer for every folder the server follows."""

    def __init__(self) -> None:
        self._observer = Observer()
        self._handlers: list[_Forward] = []

    def watch(self, folder: Path, on_change: Callable[[Path], None]) -> None:
        """Call ``on_change(path)`` on the IOLoop for each changed file in ``folder``."""
        handler = _Forward(folder, on_change, asyncio.get_running_loop())
        self._handlers.append(handler)
        self._observer.schedule(handler, str(folder), recursive=False)

    def start(self) -> None:
        self._observer.start()

    def stop(self) -> None:
        for handler in self._handlers:
            for timer in handler.pending.values():
                timer.cancel()
        self._observer.stop()
        self._observer.join(timeout=5)


@dataclasses.dataclass
class ConfigReloader:
    """Reads the config again (same flags and environment: the precedence holds) when its
    file changes, and applies the options that a running server can take."""

    argv: list[str] | None  # None: the process's own arguments and environment
    environ: Mapping[str, str] | None
    apply: Callable[[Config], None]
    current: Config

    def reload(self) -> None:
        try:
            fresh = load_config(self.argv, self.environ)
        except ConfigError as error:
            log.error("config file not reloaded; the running settings stay", extra={"error": str(error)})
            return
        changed = [name for name in FIELDS if getattr(fresh, name) != getattr(self.current, name)]
        later = sorted(set(changed) - RELOADABLE)
        if later:
            log.warning("changed options take effect at the next restart", extra={"options": later})
        now = {name: getattr(fresh, name) for name in changed if name in RELOADABLE}
        if not now:
            return
        try:
            updated = self.current.replace(**now)
        except ConfigError as error:  # e.g. a rule between a live and a restart-only option
            log.error("config file not reloaded; the running settings stay", extra={"error": str(error)})
            return
        self.current = updated
        self.apply(updated)
        log.warning("config reloaded", extra={"options": sorted(now)})
