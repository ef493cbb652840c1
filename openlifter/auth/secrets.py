"""Random identifiers and secrets: meet ids, session tokens, display keys, and their hashes."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

MEET_ID_DIGITS = 9
_SEPARATORS = re.compile(r"[\s\-]+")


def new_meet_id() -> str:
    """Nine digits from the CSPRNG (leading zeros allowed: ids are strings)."""
    return f"{secrets.randbelow(10**MEET_ID_DIGITS):0{MEET_ID_DIGITS}d}"


def normalize_meet_id(text: str) -> str | None:
    """Accept ``123 456 789``, ``123-456-789`` or ``123456789``; None if it is not an id."""
    compact = _SEPARATORS.sub("", text)
    if len(compact) == MEET_ID_DIGITS and compact.isascii() and compact.isdigit():
        return compact
    return None


def display_meet_id(meet_id: str) -> str:
    """How people see an id: ``123 456 789``."""
    return " ".join(meet_id[i : i + 3] for i in range(0, len(meet_id), 3))


def new_session_token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def new_display_key() -> str:
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    """Session tokens are stored and indexed only by this hash."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def keys_match(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
