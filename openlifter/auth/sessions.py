"""Session records: a token, stored only as its hash, bound to one meet and one location."""

from __future__ import annotations

import dataclasses
from typing import Any, Iterable

from openlifter.auth.secrets import token_hash


@dataclasses.dataclass(frozen=True)
class Session:
    token_hash: str
    meet_id: str
    location: str
    created_at: float
    expires_at: float

    @property
    def session_id(self) -> str:
        """A short, non-secret id for logs and resend dedup (a prefix of the hash)."""
        return self.token_hash[:16]

    def to_record(self) -> dict[str, Any]:
        return {
            "tokenHash": self.token_hash,
            "locationName": self.location,
            "createdAt": self.created_at,
            "expiresAt": self.expires_at,
        }

    @classmethod
    def from_record(cls, meet_id: str, record: dict[str, Any]) -> "Session | None":
        try:
            return cls(
                str(record["tokenHash"]),
                meet_id,
                str(record["locationName"]),
                float(record["createdAt"]),
                float(record["expiresAt"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


class SessionIndex:
    """Every live session of every meet, looked up by token hash."""

    def __init__(self) -> None:
        self._by_hash: dict[str, Session] = {}
        self._by_meet: dict[str, dict[str, Session]] = {}

    def add(self, session: Session) -> None:
        self._by_hash[session.token_hash] = session
        self._by_meet.setdefault(session.meet_id, {})[session.token_hash] = session

    def discard(self, session: Session) -> None:
        self._by_hash.pop(session.token_hash, None)
        self._by_meet.get(session.meet_id, {}).pop(session.token_hash, None)

    def add_records(self, meet_id: str, records: Iterable[dict[str, Any]], now: float) -> None:
        for record in records:
            session = Session.from_record(meet_id, record)
            if session is not None and session.expires_at > now:
                self.add(session)

    def find(self, token: str, now: float) -> Session | None:
        session = self._by_hash.get(token_hash(token))
        if session is None or session.expires_at <= now:
            return None
        return session

    def of_meet(self, meet_id: str, now: float) -> list[Session]:
        return [s for s in self._by_meet.get(meet_id, {}).values() if s.expires_at > now]

    def forget_meet(self, meet_id: str) -> None:
        """Drop every session of a meet (archived or deleted: its tokens stop working)."""
        for key in self._by_meet.pop(meet_id, {}):
            self._by_hash.pop(key, None)

    def forget_expired(self, meet_id: str, now: float) -> None:
        sessions = self._by_meet.get(meet_id, {})
        for key in [k for k, s in sessions.items() if s.expires_at <= now]:
            del sessions[key]
            del self._by_hash[key]
