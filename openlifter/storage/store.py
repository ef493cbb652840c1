"""What the server needs of a storage backend: the ``MeetStore`` interface.

The meets and the registry use only this; ``storage/filestore.py`` (folders of files
under ``data/``, SPEC section 3) is the first implementation. A second backend (SPEC
section 8: a shared engine) implements the same two protocols. Every method blocks: the
server calls them from its storage threads, never on the event loop.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any, Iterable, Protocol

from openlifter.storage.files import StorageError


@dataclasses.dataclass(frozen=True, slots=True)
class LogEntry:
    """One accepted update, as it is stored and relayed."""

    server_seq: int
    key: str
    value: Any
    location: str
    priority: int
    local_seq: int | None
    received_at: float
    session_id: str | None = None  # non-secret id of the sending session, for resend dedup


@dataclasses.dataclass
class ReplayResult:
    entries: list[LogEntry]
    cut_bytes: int  # how much of a torn or corrupt tail was removed


class OwnedElsewhere(StorageError):
    """Another server process holds the meet's lease (a shared store): it serves the meet
    until the lease runs out."""


class Fenced(StorageError):
    """Another process took the meet (a newer epoch) or wrote past our head: this process
    must not write to it again, nor serve it."""


class Place(enum.Enum):
    """Where a meet is kept: its stage of life."""

    CURRENT = "current-meets"
    FINISHED = "finished-meets"  # published
    ARCHIVED = "archived-meets"  # unpublished, idle past archive_after_days


class MeetRecords(Protocol):
    """One meet's stored records: its log, auth, sessions and, once published, its CSV."""

    @property
    def meet_id(self) -> str: ...

    @property
    def auth_path(self) -> Any:
        """Where the auth record is kept (named by DamagedFile and MeetStore.describe)."""

    @property
    def sessions_path(self) -> Any:
        """Where the sessions are kept (named by DamagedFile and MeetStore.describe)."""

    def create(self, auth: dict[str, Any]) -> None: ...

    def is_unfinished_create(self) -> bool: ...

    def read_auth(self) -> dict[str, Any]: ...

    def write_auth(self, auth: dict[str, Any]) -> None: ...

    def read_sessions(self) -> list[dict[str, Any]]: ...

    def write_sessions(self, sessions: list[dict[str, Any]]) -> None: ...

    def replay(self) -> ReplayResult: ...

    def append(self, entries: Iterable[LogEntry]) -> None:
        """Durable once it returns (one fsync for the whole group); on failure nothing of
        it stays stored, so memory and storage agree."""

    def write_publication(self, opl_csv: str, return_email: str) -> None: ...

    def close(self) -> None: ...


class SharedAttempts(Protocol):
    """Attempts per client address (failed joins, creates) counted for every server
    process at once, atomically (a shared store). Blocking, like the stores."""

    def take(self, kind: str, address: str, per_window: int, window_seconds: float) -> str | None:
        """Count one attempt now and return its id, or None if the window is full."""

    def give_back(self, kind: str, address: str, attempt: str) -> None: ...


class MeetStore(Protocol):
    """Every meet's records, held by one server process at a time."""

    @property
    def shared(self) -> bool:
        """Whether other server processes use the same store at once (meets and sessions
        may appear that this process did not make)."""

    def place_of(self, meet_id: str) -> Place | None:
        """Where the meet is now, asked of the store itself (None: no such meet)."""

    def count(self, place: Place) -> int: ...

    def owner_address(self, meet_id: str) -> str | None:
        """Where another process that holds the meet is reached (None: none does)."""

    def renew(self, meet_id: str) -> bool:
        """Keep holding a meet this process serves; False once another process took it."""

    def open(self, holder: str) -> None:
        """Take exclusive use (raise StorageError naming the holder if another has it)
        and make the store ready."""

    def close(self) -> None: ...

    def describe(self, where: Any) -> str:
        """A short name for a record's location, for log lines (never a secret)."""

    def meet_ids(self, place: Place) -> list[str]: ...

    def records(self, meet_id: str, place: Place) -> MeetRecords: ...

    def is_taken(self, meet_id: str) -> bool:
        """Whether the id is used anywhere in the store (ids are never reused)."""

    def finish_interrupted(self) -> list[str]:
        """Finish what a crash or a failure left half done (the redis store: finished and
        archived meets not yet written out of Redis). Returns the ids of those meets."""

    @property
    def attempts(self) -> SharedAttempts | None:
        """Where attempts per address are counted for every process (None: this process
        counts alone, in memory)."""

    def meet_of_session(self, token_hash: str) -> str | None:
        """The meet of an unexpired session another process may have made (a shared
        store); None: no such session, or every session is in this process's memory."""

    def move(self, meet_id: str, source: Place, target: Place) -> None: ...

    def remove(self, meet_id: str, place: Place) -> None: ...

    def last_change(self, meet_id: str, place: Place) -> float:
        """Seconds since the epoch of the meet's last stored change."""

    def is_writable(self) -> bool: ...
