"""The only place that writes files: atomic replace, durable append, safe paths.

Every write is followed by fsync of the file and, when a name changed, of its folder, so
that what the server acknowledged survives a power cut.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator

MEET_ID_PATTERN = re.compile(r"^[0-9]{9}$")


class StorageError(Exception):
    """A file operation failed; the message is safe to show and to log."""


class DamagedFile(StorageError):
    """A file was read but its content is unusable (not JSON, wrong shape, a broken
    log line): unlike an I/O error, trying again will not help until someone fixes it."""

    def __init__(self, path: Path | str, problem: str) -> None:
        # A Path for the file store; a string naming the record for the redis store.
        super().__init__(f"{path.name if isinstance(path, Path) else path} is damaged: {problem}")
        self.path = path


@contextlib.contextmanager
def storage_errors(action: str) -> Iterator[None]:
    """Map OS errors to StorageError with a short reason (Jupyter's perm_to_403 idea)."""
    try:
        yield
    except StorageError:
        raise
    except OSError as error:
        reason = error.strerror or error.__class__.__name__
        raise StorageError(f"{action}: {reason}") from error


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write a whole file so that readers see the old or the new content, never a mix."""
    with storage_errors(f"writing {path.name}"):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as temp:
                temp.write(data)
                temp.flush()
                os.fsync(temp.fileno())
            os.replace(temp_name, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp_name)
            raise
        fsync_dir(path.parent)


def atomic_write_json(path: Path, value: Any) -> None:
    atomic_write_bytes(path, (json.dumps(value, indent=1, sort_keys=True) + "\n").encode("utf-8"))


def read_bytes(path: Path) -> bytes:
    """A whole file. A file that is missing, not a file or not readable to us is
    DamagedFile (waiting will not fix it); other OS errors (no file handles left, an
    I/O error) are StorageError and may pass."""
    try:
        return path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as error:
        raise DamagedFile(path, error.strerror or error.__class__.__name__) from None
    except OSError as error:
        raise StorageError(f"reading {path.name}: {error.strerror or error.__class__.__name__}") from error


def read_json(path: Path) -> Any:
    data = read_bytes(path)
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise DamagedFile(path, "not UTF-8 text") from None
    except RecursionError:
        raise DamagedFile(path, "nested too deeply") from None
    except ValueError as error:
        raise DamagedFile(path, f"not JSON ({error.__class__.__name__})") from None


class AppendOnlyFile:
    """A file opened for appending whose writes are durable once ``append`` returns."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with storage_errors(f"opening {path.name}"):
            existed = path.exists()
            self._file = open(path, "ab", buffering=0)  # noqa: SIM115 (closed by close())
            if not existed:
                fsync_dir(path.parent)

    def append(self, data: bytes) -> int:
        """Append and fsync; return the new size. Called from a storage thread."""
        with storage_errors(f"appending to {self.path.name}"):
            view = memoryview(data)
            while view:
                written = self._file.write(view)
                view = view[written:]
            os.fsync(self._file.fileno())
            return self._file.tell()

    def truncate(self, size: int) -> None:
        """Cut the file back to ``size`` bytes (undo a failed group commit)."""
        with storage_errors(f"truncating {self.path.name}"):
            os.ftruncate(self._file.fileno(), size)
            os.fsync(self._file.fileno())

    def size(self) -> int:
        with storage_errors(f"reading size of {self.path.name}"):
            return os.fstat(self._file.fileno()).st_size

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._file.close()


def truncate_file(path: Path, size: int) -> None:
    with storage_errors(f"truncating {path.name}"):
        with open(path, "r+b") as file:
            file.truncate(size)
            file.flush()
            os.fsync(file.fileno())


def move_dir(source: Path, target: Path) -> None:
    """Rename a folder durably (both parents fsynced)."""
    with storage_errors(f"moving {source.name}"):
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            raise StorageError(f"moving {source.name}: target already exists")
        os.rename(source, target)
        fsync_dir(target.parent)
        fsync_dir(source.parent)


def remove_dir(path: Path) -> None:
    """Remove a folder and what it holds, durably. It is first renamed to a hidden name (one atomic step, so
    a crash never leaves half a meet that looks whole), then removed."""
    with storage_errors(f"deleting {path.name}"):
        doomed = path.with_name(f".deleting-{path.name}")
        os.rename(path, doomed)
        fsync_dir(path.parent)
        shutil.rmtree(doomed)


def last_modified(directory: Path) -> float:
    """The newest modification time of the files in a folder (its last activity)."""
    with storage_errors(f"reading {directory.name}"):
        times = [entry.stat().st_mtime for entry in directory.iterdir() if entry.is_file()]
        return max(times, default=directory.stat().st_mtime)


class DataPaths:
    """Resolves every path under the data folder and refuses anything outside it."""

    CURRENT = "current-meets"
    FINISHED = "finished-meets"
    ARCHIVED = "archived-meets"  # unpublished meets idle for long: out of the way, not lost

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def ensure(self) -> None:
        with storage_errors("creating the data folder"):
            for name in (self.CURRENT, self.FINISHED, self.ARCHIVED):
                (self.root / name).mkdir(parents=True, exist_ok=True)

    def _folder(self, *, finished: bool, archived: bool) -> Path:
        return self.root / (self.FINISHED if finished else self.ARCHIVED if archived else self.CURRENT)

    def meet_dir(self, meet_id: str, *, finished: bool = False, archived: bool = False) -> Path:
        if not MEET_ID_PATTERN.match(meet_id):
            raise StorageError("not a meet id")
        path = (self._folder(finished=finished, archived=archived) / meet_id).resolve()
        if path.parent.parent != self.root:
            raise StorageError("path outside the data folder")
        return path

    def meet_ids(self, *, finished: bool = False, archived: bool = False) -> list[str]:
        folder = self._folder(finished=finished, archived=archived)
        with storage_errors("listing meets"):
            if not folder.exists():
                return []
            return sorted(p.name for p in folder.iterdir() if p.is_dir() and MEET_ID_PATTERN.match(p.name))

    def is_writable(self) -> bool:
        """Probe the data folder by writing and removing a small file."""
        try:
            probe = self.root / ".health-probe"
            atomic_write_bytes(probe, b"ok\n")
            probe.unlink()
            return True
        except (StorageError, OSError):
            return False
