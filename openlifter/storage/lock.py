"""One server process per data folder (SPEC section 5): an exclusive lock on ``data/.lock``.

Two processes appending to the same logs would both hand out the same sequence numbers
and tear each other's lines, so the second one refuses to start. ``flock`` is released by
the kernel when the process dies, so a crash never leaves a stale lock behind; the file
keeps the holder's pid and host only to make the refusal say who holds it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
from pathlib import Path

from openlifter.storage.files import StorageError, storage_errors

LOCK_NAME = ".lock"


class DataFolderInUse(StorageError):
    """Another process holds the data folder; the message names it and what to do."""


class DataFolderLock:
    """Held from ``acquire`` until ``release`` (or the process ends)."""

    def __init__(self, root: Path, fd: int) -> None:
        self.root = root
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, root: Path, holder: str) -> "DataFolderLock":
        """Lock ``root`` for this process, or raise DataFolderInUse at once (never waits)."""
        path = root / LOCK_NAME
        with storage_errors("locking the data folder"):
            root.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = _read_holder(fd)
            os.close(fd)
            raise DataFolderInUse(
                f"data folder {root} is in use by another process ({other}); "
                "one server process per data folder: stop it, or give this one another --data-dir"
            ) from None
        except OSError as error:
            os.close(fd)
            raise StorageError(f"locking the data folder {root}: {error.strerror}") from None
        record = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "holder": holder}).encode()
        with storage_errors("writing the data folder lock"):
            os.ftruncate(fd, 0)
            os.pwrite(fd, record + b"\n", 0)
        return cls(root, fd)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
                os.close(self._fd)
            self._fd = None


def _read_holder(fd: int) -> str:
    """Who holds the lock, as far as its file says (best effort: only for the message)."""
    try:
        record = json.loads(os.pread(fd, 4096, 0) or b"{}")
        return f"{record.get('holder', 'a process')} pid {record['pid']} on {record['host']}"
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return "pid unknown"
