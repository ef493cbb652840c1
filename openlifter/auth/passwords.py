"""Meet passwords: bcrypt over a SHA-256 pre-hash.

bcrypt reads only the first 72 bytes of its input and stops at a NUL byte, so the
password is first hashed with SHA-256 and base64-encoded (44 ASCII bytes): every
character of a long password stays significant. These calls are slow on purpose; the
server runs them in an executor, never on the IOLoop.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import os
import threading

import bcrypt

# How much lower than the event loop the bcrypt threads run (the lowest niceness; on Linux
# also the idle scheduling class, which gives the core up the moment anything else wants
# it): on a busy machine a join waits a little longer, and the relays of every meet do not.
PASSWORD_THREAD_NICENESS = 19


def _prehash(password: str) -> bytes:
    return base64.b64encode(hashlib.sha256(password.encode("utf-8")).digest())


def hash_password(password: str, rounds: int) -> str:
    return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds)).decode("ascii")


def check_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(_prehash(password), password_hash.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return False


@dataclasses.dataclass(frozen=True)
class PasswordPolicy:
    """What a new meet password needs (from config; the defaults ask only for length)."""

    min_length: int = 10
    require_uppercase: bool = False
    require_lowercase: bool = False
    require_digit: bool = False
    require_special: bool = False


# Each character rule: (is it on, does the password pass, the reason that names it).
_CHARACTER_RULES = (
    ("require_uppercase", str.isupper, "password must contain an uppercase letter (require_uppercase)"),
    ("require_lowercase", str.islower, "password must contain a lowercase letter (require_lowercase)"),
    ("require_digit", str.isdigit, "password must contain a digit (require_digit)"),
    ("require_special", lambda c: not c.isalnum() and not c.isspace(), "password must contain a special character such as ! or # (require_special)"),
)


def password_problem(password: str, policy: PasswordPolicy) -> str | None:
    """Why a new meet password is refused (the reason names the rule), or None."""
    if len(password) < policy.min_length:
        return f"password must be at least {policy.min_length} characters (min_length)"
    if not password.strip():
        return "password must not be only spaces"
    for rule, passes, reason in _CHARACTER_RULES:
        if getattr(policy, rule) and not any(passes(c) for c in password):
            return reason
    return None


def lower_this_threads_priority() -> None:
    """Initializer of the threads that hash and check passwords (Linux: a thread's own
    niceness and scheduling class). Elsewhere, or if refused, they run at the normal
    priority."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), PASSWORD_THREAD_NICENESS)
    except (AttributeError, OSError):
        pass
    try:
        os.sched_setscheduler(threading.get_native_id(), os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        pass
