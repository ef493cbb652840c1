"""The embedded store: each meet a folder of files under ``data/`` (SPEC section 3),
held by one process at a time through the data-folder lock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openlifter.storage.files import DataPaths, last_modified, move_dir, remove_dir
from openlifter.storage.lock import DataFolderLock
from openlifter.storage.meetfiles import MeetFiles
from openlifter.storage.store import Place


class FileMeetStore:
    """``MeetStore`` on a data folder: current-meets/, finished-meets/, archived-meets/."""

    def __init__(self, root: Path) -> None:
        self.paths = DataPaths(root)
        self._lock: DataFolderLock | None = None

    @property
    def root(self) -> Path:
        return self.paths.root

    @property
    def shared(self) -> bool:
        return False  # one process holds the data folder (its lock)

    def place_of(self, meet_id: str) -> Place | None:
        return next((place for place in Place if self.folder(meet_id, place).exists()), None)

    def count(self, place: Place) -> int:
        return len(self.meet_ids(place))

    def owner_address(self, meet_id: str) -> str | None:
        return None  # no other process serves this data folder

    def renew(self, meet_id: str) -> bool:
        return True  # the data-folder lock holds every meet while the server runs

    def open(self, holder: str) -> None:
        self._lock = DataFolderLock.acquire(self.paths.root, holder)
        self.paths.ensure()

    def close(self) -> None:
        if self._lock is not None:
            self._lock.release()

    def describe(self, where: Any) -> str:
        path = Path(where)
        return str(path.relative_to(self.paths.root)) if path.is_relative_to(self.paths.root) else path.name

    def folder(self, meet_id: str, place: Place) -> Path:
        return self.paths.meet_dir(meet_id, finished=place is Place.FINISHED, archived=place is Place.ARCHIVED)

    def meet_ids(self, place: Place) -> list[str]:
        return self.paths.meet_ids(finished=place is Place.FINISHED, archived=place is Place.ARCHIVED)

    def records(self, meet_id: str, place: Place) -> MeetFiles:
        return MeetFiles(self.folder(meet_id, place))

    def is_taken(self, meet_id: str) -> bool:
        return any(self.folder(meet_id, place).exists() for place in Place)

    def finish_interrupted(self) -> list[str]:
        return []  # a torn log is cut when it is read; an unfinished create at start

    @property
    def attempts(self) -> None:
        return None  # one process: it counts attempts in memory

    def meet_of_session(self, token_hash: str) -> str | None:
        return None  # this process made or read every session of the data folder

    def move(self, meet_id: str, source: Place, target: Place) -> None:
        move_dir(self.folder(meet_id, source), self.folder(meet_id, target))

    def remove(self, meet_id: str, place: Place) -> None:
        remove_dir(self.folder(meet_id, place))

    def last_change(self, meet_id: str, place: Place) -> float:
        return last_modified(self.folder(meet_id, place))

    def is_writable(self) -> bool:
        return self.paths.is_writable()
