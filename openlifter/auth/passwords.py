"""Meet passwords: bcrypt over a SHA-256 pre-hash.

bcrypt reads only the first 72 bytes of its input and stops at a NUL byte, so the
password is first hashed with SHA-256 and base64-encoded (44 ASCII bytes): every
character of a long password stays significant. These calls are slow on purpose; the
server runs them in an executor, never on the IOLoop.
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading

import bcrypt

# How much lower than the event loop the bcrypt threads run: on a busy machine a join may
# wait a little longer, and the relays of every meet do not.
PASSWORD_THREAD_NICENESS = 10


def _prehash(password: str) -> bytes:
    return base64.b64encode(hashlib.sha256(password.encode("utf-8")).digest())


def hash_password(password: str, rounds: int) -> str:
    return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds)).decode("ascii")


def check_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(_prehash(password), password_hash.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return False


def password_problem(password: str, min_length: int) -> str | None:
    """Why a new meet password is refused, or None if it is acceptable."""
    if len(password) < min_length:
        return f"password must be at least {min_length} characters"
    if not password.strip():
        return "password must not be only spaces"
    return None


def lower_this_threads_priority() -> None:
    """Initializer of the threads that hash and check passwords (Linux: a thread's own
    niceness). Elsewhere, or if refused, they run at the normal priority."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), PASSWORD_THREAD_NICENESS)
    except (AttributeError, OSError):
        pass
