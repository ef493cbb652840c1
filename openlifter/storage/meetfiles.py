"""One meet's folder: ``updates.log``, ``auth.json``, ``sessions.json`` and, once
published, ``opl.csv`` and ``email.txt`` (SPEC section 3).

Everything here is synchronous and blocking; the server calls it from storage threads.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Iterable

from openlifter.storage.files import (
    AppendOnlyFile,
    DamagedFile,
    StorageError,
    atomic_write_bytes,
    atomic_write_json,
    read_bytes,
    read_json,
    storage_errors,
    truncate_file,
)
from openlifter.storage.store import LogEntry, ReplayResult

log = logging.getLogger(__name__)

LOG_NAME = "updates.log"
AUTH_NAME = "auth.json"
SESSIONS_NAME = "sessions.json"
CSV_NAME = "opl.csv"
EMAIL_NAME = "email.txt"


def entry_line(entry: LogEntry) -> bytes:
    """One log line: the entry as a JSON object, then a newline (SPEC section 3)."""
    record = {
        "serverSeqNum": entry.server_seq,
        "updateKey": entry.key,
        "updateValue": entry.value,
        "locationName": entry.location,
        "priority": entry.priority,
        "localSeqNum": entry.local_seq,
        "receivedAt": entry.received_at,
    }
    if entry.session_id is not None:
        record["sessionId"] = entry.session_id
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n").encode("utf-8")


def entry_from_record(record: Any) -> LogEntry:
    """Parse a stored record; raise ValueError if any field is missing or mistyped."""
    if not isinstance(record, dict):
        raise ValueError("not an object")
    seq, key, location, priority = (record.get(f) for f in ("serverSeqNum", "updateKey", "locationName", "priority"))
    local_seq, received_at = record.get("localSeqNum"), record.get("receivedAt", 0.0)
    session_id = record.get("sessionId")
    if session_id is not None and not isinstance(session_id, str):
        raise ValueError("bad sessionId")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise ValueError("bad serverSeqNum")
    if not isinstance(key, str) or not isinstance(location, str):
        raise ValueError("bad updateKey or locationName")
    if not isinstance(priority, int) or isinstance(priority, bool):
        raise ValueError("bad priority")
    if local_seq is not None and (not isinstance(local_seq, int) or isinstance(local_seq, bool)):
        raise ValueError("bad localSeqNum")
    if "updateValue" not in record:
        raise ValueError("missing updateValue")
    if not isinstance(received_at, (int, float)) or isinstance(received_at, bool):
        raise ValueError("bad receivedAt")
    return LogEntry(seq, key, record["updateValue"], location, priority, local_seq, float(received_at), session_id)


class MeetFiles:
    """Blocking file operations of one meet folder."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._log: AppendOnlyFile | None = None

    @property
    def meet_id(self) -> str:
        return self.directory.name

    @property
    def log_path(self) -> Path:
        return self.directory / LOG_NAME

    @property
    def auth_path(self) -> Path:
        return self.directory / AUTH_NAME

    @property
    def sessions_path(self) -> Path:
        return self.directory / SESSIONS_NAME

    def create(self, auth: dict[str, Any]) -> None:
        """Make the folder with its auth, empty sessions and empty log."""
        with storage_errors("creating the meet folder"):
            self.directory.mkdir(parents=True, exist_ok=False)
        atomic_write_json(self.directory / SESSIONS_NAME, {"sessions": []})
        atomic_write_bytes(self.log_path, b"")
        # auth.json last: a folder without it is an unfinished create and is ignored.
        atomic_write_json(self.directory / AUTH_NAME, auth)

    def is_unfinished_create(self) -> bool:
        """A folder that ``create`` did not finish: no auth.json (written last) and an
        empty or missing log, so no update or session was ever handed out for it."""
        with storage_errors("checking the meet folder"):
            if (self.directory / AUTH_NAME).exists():
                return False
            return not self.log_path.exists() or self.log_path.stat().st_size == 0

    def read_auth(self) -> dict[str, Any]:
        auth = read_json(self.auth_path)
        if not isinstance(auth, dict):
            raise DamagedFile(self.auth_path, "not an object")
        return auth

    def write_auth(self, auth: dict[str, Any]) -> None:
        atomic_write_json(self.directory / AUTH_NAME, auth)

    def read_sessions(self) -> list[dict[str, Any]]:
        path = self.sessions_path
        if not path.exists():
            return []
        data = read_json(path)
        sessions = data.get("sessions") if isinstance(data, dict) else None
        if not isinstance(sessions, list):
            raise DamagedFile(path, "no session list")
        return [s for s in sessions if isinstance(s, dict)]

    def write_sessions(self, sessions: list[dict[str, Any]]) -> None:
        atomic_write_json(self.directory / SESSIONS_NAME, {"sessions": sessions})

    def replay(self) -> ReplayResult:
        """Read the log in order. A torn or corrupt last line is cut off with a warning;
        damage before the last line is refused, because cutting there would drop
        acknowledged updates."""
        self.close()
        path = self.log_path
        data = read_bytes(path) if path.exists() else b""  # a lost log: clients restore it
        entries: list[LogEntry] = []
        offset = 0
        good_end = 0
        lines = data.split(b"\n")
        for index, raw in enumerate(lines):
            is_last_piece = index == len(lines) - 1
            line_end = offset + len(raw) + (0 if is_last_piece else 1)
            if is_last_piece and raw == b"":
                break
            problem = None
            if is_last_piece:
                problem = "no line ending (torn write)"
            else:
                try:
                    entry = entry_from_record(json.loads(raw.decode("utf-8")))
                    if entry.server_seq != len(entries) + 1:
                        problem = f"serverSeqNum {entry.server_seq} where {len(entries) + 1} was expected"
                except (ValueError, UnicodeDecodeError) as error:
                    problem = str(error) or "not JSON"
            if problem:
                rest_is_empty = all(not piece.strip() for piece in lines[index + 1 :])
                if not rest_is_empty:
                    raise DamagedFile(path, f"line {index + 1} ({problem}) is not the last line")
                log.warning(
                    "cutting torn or corrupt last line of updates.log",
                    extra={"meetId": self.meet_id, "line": index + 1, "problem": problem, "bytes": len(data) - good_end},
                )
                truncate_file(path, good_end)
                return ReplayResult(entries, len(data) - good_end)
            entries.append(entry)
            offset = line_end
            good_end = line_end
        return ReplayResult(entries, 0)

    def _log_file(self) -> AppendOnlyFile:
        if self._log is None:
            self._log = AppendOnlyFile(self.log_path)
        return self._log

    def append(self, entries: Iterable[LogEntry]) -> None:
        """Append entries with one fsync (the group commit). If the write or the fsync
        fails, the log is cut back to where it was so that memory and disk agree."""
        data = b"".join(entry_line(entry) for entry in entries)
        if not data:
            return
        log_file = self._log_file()
        size_before = log_file.size()
        try:
            log_file.append(data)
        except StorageError:
            try:
                log_file.truncate(size_before)
            except StorageError:
                log.error("could not cut updates.log back after a failed append", extra={"meetId": self.meet_id})
            self.close()
            raise

    def write_publication(self, opl_csv: str, return_email: str) -> None:
        atomic_write_bytes(self.directory / CSV_NAME, opl_csv.encode("utf-8"))
        atomic_write_bytes(self.directory / EMAIL_NAME, (return_email + "\n").encode("utf-8"))

    def close(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None
