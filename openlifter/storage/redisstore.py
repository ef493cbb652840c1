"""The shared store (SPEC section 8): every meet's records in one Redis 7.

Layout, under one key prefix:
- ``<prefix>ids``: every meet id ever handed out (ids are never reused; SADD makes a
  create unique across server processes);
- ``<prefix>place:<place>``: the ids of the meets in each stage of life;
- ``<prefix>meet:<id>``: a hash of the meet's auth and sessions (JSON), its publication,
  the time of its last change, its ``epoch`` and the ``head`` of its log;
- ``<prefix>meet:<id>:log``: the log, a Stream whose entry ids are ``<serverSeqNum>-0``.

Writes to the log are fenced: the process that reads a meet's log takes a new epoch, and
each append runs as one Lua script that refuses a stale epoch or an unexpected head, so
a process that lost the meet can never write into it. One script call per group commit:
with ``appendfsync always`` Redis answers only once the group is on disk.

Everything here blocks; the server calls it from its storage threads.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import secrets
import socket
import threading
import time
from pathlib import Path
from typing import Any, Iterable

import redis

from openlifter.storage import redisarchive
from openlifter.storage.redisconn import redis_errors
from openlifter.storage.redislimits import RedisAttempts
from openlifter.storage.files import DamagedFile, DataPaths, StorageError
from openlifter.storage.meetfiles import entry_from_record, entry_line
from openlifter.storage.redischannel import AUTH_NOTICE, GONE_NOTICE, log_notice
from openlifter.storage.store import Fenced, LogEntry, OwnedElsewhere, Place, ReplayResult

log = logging.getLogger(__name__)

KEY_PREFIX = "openlifter:"
REPLAY_PAGE = 1000  # log entries read from Redis per round trip

# What the store needs of the server it runs on, checked at open: an acknowledged update
# must survive a crash of Redis, and Redis must never drop a meet to make room.
REQUIRED_SETTINGS = {"appendonly": "yes", "appendfsync": "always", "maxmemory-policy": "noeviction"}

# KEYS: meet hash, log stream, ids set, place set. ARGV: auth JSON, now, meet id, this
# process, lease milliseconds, its address. The creator holds the meet from the start (epoch 1).
CREATE_SCRIPT = """
if redis.call('SADD', KEYS[3], ARGV[3]) == 0 then
  return redis.error_reply('TAKEN meet id already used')
end
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('HSET', KEYS[1], 'auth', ARGV[1], 'sessions', '[]', 'epoch', 1, 'head', 0, 'changed', ARGV[2],
  'owner', ARGV[4], 'lease_until', now_ms + tonumber(ARGV[5]), 'owner_address', ARGV[6])
redis.call('SADD', KEYS[4], ARGV[3])
return 1
"""

# KEYS: meet hash. ARGV: this process, lease milliseconds, its address. Takes the meet unless another
# process's lease on it is still running: a new epoch, so that any older holder is fenced.
# The lease runs on Redis's clock, so the processes' clocks do not matter.
TAKE_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  return redis.error_reply('GONE the meet is not in the store')
end
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local lease = redis.call('HMGET', KEYS[1], 'owner', 'lease_until')
if lease[1] and lease[1] ~= ARGV[1] and tonumber(lease[2] or '0') > now_ms then
  return redis.error_reply('OWNED by another process for ' .. (tonumber(lease[2]) - now_ms) .. ' ms more')
end
local epoch = redis.call('HINCRBY', KEYS[1], 'epoch', 1)
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'lease_until', now_ms + tonumber(ARGV[2]), 'owner_address', ARGV[3])
local head = redis.call('HGET', KEYS[1], 'head') or '0'
return {epoch, head}
"""

# KEYS: meet hash. ARGV: epoch, then field and value pairs. A holder's write of the meet's
# records (sessions, auth, publication), fenced like the log.
FENCED_HSET_SCRIPT = """
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if epoch ~= ARGV[1] then
  return redis.error_reply('FENCED epoch ' .. ARGV[1] .. ' is stale (now ' .. tostring(epoch) .. ')')
end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 1
"""

# KEYS: meet hash. ARGV: this process. The address of another process whose lease on the
# meet is running, or nil.
OWNER_SCRIPT = """
local lease = redis.call('HMGET', KEYS[1], 'owner', 'lease_until', 'owner_address')
if not lease[1] or lease[1] == ARGV[1] or not lease[3] or lease[3] == '' then
  return false
end
local now = redis.call('TIME')
if tonumber(lease[2] or '0') <= tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) then
  return false
end
return lease[3]
"""

# KEYS: meet hash. ARGV: epoch, lease milliseconds. Extends the lease of the holder of
# that epoch; 0 once another process took the meet.
# KEYS: meet hash. ARGV: epoch. The holder of that epoch lets the meet go at once (an
# operator's archive is done with it), so another process need not wait for the lease.
END_LEASE_SCRIPT = """
if redis.call('HGET', KEYS[1], 'epoch') == ARGV[1] then
  redis.call('HSET', KEYS[1], 'lease_until', 0)
end
return 1
"""

RENEW_SCRIPT = """
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[1] then
  return 0
end
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('HSET', KEYS[1], 'lease_until', now_ms + tonumber(ARGV[2]))
return 1
"""

# KEYS: meet hash, log stream, the meet's channel. ARGV: epoch, expected head, now, the
# notice for the channel, then one record per entry (their seqs follow the head without a
# gap, checked before the call). The notice goes out in the same script, so only the
# fenced holder ever announces a round, and in log order; Redis writes the AOF (and, with
# appendfsync always, syncs it) before it sends any output, the notice included.
APPEND_SCRIPT = """
local meta = redis.call('HMGET', KEYS[1], 'epoch', 'head')
if meta[1] ~= ARGV[1] then
  return redis.error_reply('FENCED epoch ' .. ARGV[1] .. ' is stale (now ' .. tostring(meta[1]) .. ')')
end
local head = tonumber(meta[2] or '0')
if head ~= tonumber(ARGV[2]) then
  return redis.error_reply('FENCED head is ' .. head .. ', not ' .. ARGV[2])
end
for i = 5, #ARGV do
  head = head + 1
  redis.call('XADD', KEYS[2], head .. '-0', 'entry', ARGV[i])
end
redis.call('HSET', KEYS[1], 'head', head, 'changed', ARGV[3])
redis.call('PUBLISH', KEYS[3], ARGV[4])
return head
"""


@dataclasses.dataclass
class _Holding:
    """What this process holds of a meet it serves: the epoch it took and its log head."""

    epoch: int
    head: int


def settings_problems(client: redis.Redis) -> list[str]:
    """Why this Redis cannot keep meets safely (empty when it can)."""
    problems = []
    for name, wanted in REQUIRED_SETTINGS.items():
        found = client.config_get(name).get(name)
        if found != wanted:
            problems.append(f"Redis {name} is {found!r}; the redis store needs {name} {wanted}")
    return problems


class RedisMeetRecords:
    """One meet's records in Redis (``MeetRecords``)."""

    def __init__(self, store: "RedisMeetStore", meet_id: str) -> None:
        self._store = store
        self._id = meet_id
        self._meta = store.key("meet", meet_id)
        self._log = store.key("meet", meet_id, "log")

    @property
    def meet_id(self) -> str:
        return self._id

    @property
    def auth_path(self) -> str:
        return f"{self._meta} auth"

    @property
    def sessions_path(self) -> str:
        return f"{self._meta} sessions"

    def create(self, auth: dict[str, Any]) -> None:
        client = self._store.client
        with redis_errors("creating the meet"):
            try:
                client.eval(
                    CREATE_SCRIPT, 4, self._meta, self._log, self._store.key("ids"), self._store.place_key(Place.CURRENT),
                    _dumps(auth), time.time(), self._id, self._store.owner, self._store.lease_ms, self._store.address,
                )  # fmt: skip
            except redis.ResponseError as error:
                raise StorageError(f"creating the meet: {error}") from error
        self._store.hold(self._id, _Holding(epoch=1, head=0))

    def is_unfinished_create(self) -> bool:
        return False  # one script creates a meet whole

    def _field(self, name: str) -> Any:
        with redis_errors(f"reading {name}"):
            raw = self._store.client.hget(self._meta, name)
        if raw is None:
            raise DamagedFile(f"{self._meta} {name}", "missing")
        try:
            return json.loads(raw)
        except ValueError as error:
            raise DamagedFile(f"{self._meta} {name}", "not JSON") from error

    def _write_fields(self, fields: dict[str, Any]) -> None:
        """Write record fields: fenced while this process holds the meet (a stale holder
        must not overwrite what the new one wrote); for a meet nobody serves here
        (archiving, an operator's command) only while no other process holds it."""
        values = {**fields, "changed": time.time()}
        holding = self._store.holding(self._id)
        if holding is None and self._store.owner_address(self._id) is not None:
            raise OwnedElsewhere("another process serves the meet")
        with redis_errors(f"writing {', '.join(fields)}"):
            if holding is None:
                self._store.client.hset(self._meta, mapping=values)
            else:
                pairs = [item for pair in values.items() for item in pair]
                try:
                    self._store.fenced_hset_script(keys=[self._meta], args=[holding.epoch, *pairs])
                except redis.ResponseError as error:
                    self._store.release(self._id)
                    raise Fenced(str(error)) from error
            if "auth" in fields:  # a new display key: read-only copies elsewhere read it again
                self._store.client.publish(self._store.channel(self._id), AUTH_NOTICE)

    def read_auth(self) -> dict[str, Any]:
        auth = self._field("auth")
        if not isinstance(auth, dict):
            raise DamagedFile(self.auth_path, "not an object")
        return auth

    def write_auth(self, auth: dict[str, Any]) -> None:
        self._write_fields({"auth": _dumps(auth)})

    def read_sessions(self) -> list[dict[str, Any]]:
        with redis_errors("reading sessions"):
            if not self._store.client.hexists(self._meta, "sessions"):
                return []
        sessions = self._field("sessions")
        if not isinstance(sessions, list):
            raise DamagedFile(self.sessions_path, "no session list")
        return [s for s in sessions if isinstance(s, dict)]

    def write_sessions(self, sessions: list[dict[str, Any]]) -> None:
        self._write_fields({"sessions": _dumps(sessions)})
        self._store.index_sessions(self._id, sessions)

    def replay(self) -> ReplayResult:
        """Take the meet (a new epoch fences any older holder), then read its log."""
        client = self._store.client
        head = self._store.take(self._id).head
        with redis_errors("finding the log"):
            in_files = redisarchive.files_place(self._store, self._id)
        if in_files is not None:  # a finished or archived meet: its log is in its folder
            return ReplayResult(redisarchive.replay_files(self._store, self._id, in_files, head), 0)
        entries: list[LogEntry] = []
        start = "-"
        with redis_errors("reading the log"):
            while True:
                page = client.xrange(self._log, min=start, max="+", count=REPLAY_PAGE)
                for stream_id, fields in page:
                    entries.append(self._parse(stream_id, fields, len(entries) + 1))
                if len(page) < REPLAY_PAGE:
                    break
                start = "(" + page[-1][0].decode()
        if len(entries) != int(head):
            raise DamagedFile(self._log, f"the log holds {len(entries)} updates, its head says {int(head)}")
        return ReplayResult(entries, 0)

    def _parse(self, stream_id: bytes, fields: dict[bytes, bytes], expected_seq: int) -> LogEntry:
        where = f"{self._log} {stream_id.decode()}"
        try:
            entry = entry_from_record(json.loads(fields[b"entry"]))
        except (KeyError, ValueError) as error:
            raise DamagedFile(where, str(error) or "not JSON") from error
        if entry.server_seq != expected_seq or stream_id != f"{expected_seq}-0".encode():
            raise DamagedFile(where, f"serverSeqNum {entry.server_seq} where {expected_seq} was expected")
        return entry

    def append(self, entries: Iterable[LogEntry]) -> None:
        """One fenced script call for the whole group; Redis answers once it is on disk.
        A refused or failed call stores nothing."""
        batch = list(entries)
        if not batch:
            return
        holding = self._store.holding(self._id)
        if holding is None:
            raise Fenced("this process does not hold the meet")
        seqs = [entry.server_seq for entry in batch]
        if seqs != list(range(holding.head + 1, holding.head + 1 + len(batch))):
            raise StorageError(f"updates {seqs[0]}..{seqs[-1]} do not follow the stored head {holding.head}")
        records = [entry_line(entry).rstrip(b"\n") for entry in batch]
        notice = log_notice(seqs[0], records)
        with redis_errors("appending to the log"):
            try:
                new_head = self._store.append_script(
                    keys=[self._meta, self._log, self._store.channel(self._id)], args=[holding.epoch, holding.head, time.time(), notice, *records]
                )
            except redis.ResponseError as error:
                if str(error).startswith("FENCED"):
                    self._store.release(self._id)
                    raise Fenced(str(error)) from error
                raise StorageError(f"appending to the log: {error}") from error
        holding.head = int(new_head)

    def read_after(self, after_seq: int, limit: int) -> list[LogEntry]:
        """Up to ``limit`` stored entries after ``after_seq``, in seq order, without taking
        the meet (a read-only copy catching up). A meet kept in files (finished or
        archived) gives every entry after ``after_seq`` at once: its log no longer grows."""
        with redis_errors("reading the log"):
            pipe = self._store.client.pipeline(transaction=False)
            pipe.hmget(self._meta, redisarchive.FILES_FIELD, "head")
            pipe.xrange(self._log, min=f"({after_seq}-0", max="+", count=limit)
            (in_files, head), page = pipe.execute()
        if in_files is not None:
            return redisarchive.replay_files(self._store, self._id, Place(in_files.decode()), int(head))[after_seq:]
        return [self._parse(stream_id, fields, after_seq + n) for n, (stream_id, fields) in enumerate(page, start=1)]

    def stored_head(self) -> int | None:
        """The head of the stored log (None: no such meet)."""
        with redis_errors("reading the log head"):
            head = self._store.client.hget(self._meta, "head")
        return None if head is None else int(head)

    def write_publication(self, opl_csv: str, return_email: str) -> None:
        self._write_fields({"opl_csv": opl_csv, "return_email": return_email})

    def close(self) -> None:
        """Nothing is open per meet (the connections are the store's). The lease is not
        ended here: the registry closes records around a move while it keeps serving the
        meet; an unloaded meet's lease runs out within meet_lease_seconds."""


class RedisMeetStore:
    """``MeetStore`` on one Redis 7 shared by every server process."""

    def __init__(self, url: str, lease_seconds: float = 5.0, address: str = "", prefix: str = KEY_PREFIX, archive_root: Path | None = None) -> None:
        self._url = url
        # The data folder (file store layout) where finished and archived meets go out of
        # Redis memory (storage/redisarchive.py); None: they stay in Redis.
        self.archive_root = archive_root
        self.address = address  # where other processes reach this one (advertise_url)
        self._prefix = prefix
        self.lease_ms = max(1, int(lease_seconds * 1000))
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"  # this process, in leases
        # Any: the client's declared return types are the union of its sync and async uses.
        self.client: Any = redis.Redis.from_url(url, socket_timeout=10, health_check_interval=30)
        self.append_script = self.client.register_script(APPEND_SCRIPT)
        self.renew_script = self.client.register_script(RENEW_SCRIPT)
        self.fenced_hset_script = self.client.register_script(FENCED_HSET_SCRIPT)
        self.attempts = RedisAttempts(self.client, prefix)  # join and create limits of every process
        self._held: dict[str, _Holding] = {}
        self._held_lock = threading.Lock()  # storage threads append to different meets at once

    def key(self, *parts: str) -> str:
        return self._prefix + ":".join(parts)

    def channel(self, meet_id: str) -> str:
        """The meet's channel: the notices of its durable rounds and record changes."""
        return self.key("meet", meet_id, "changes")

    def place_key(self, place: Place) -> str:
        return self.key("place", place.value)

    def hold(self, meet_id: str, holding: _Holding) -> None:
        with self._held_lock:
            self._held[meet_id] = holding

    def holding(self, meet_id: str) -> _Holding | None:
        with self._held_lock:
            return self._held.get(meet_id)

    def release(self, meet_id: str) -> None:
        with self._held_lock:
            self._held.pop(meet_id, None)

    def take(self, meet_id: str) -> _Holding:
        """Hold the meet with a new epoch (fencing any older holder); OwnedElsewhere while
        another process's lease on it runs."""
        with redis_errors("taking the meet"):
            try:
                epoch, head = self.client.eval(TAKE_SCRIPT, 1, self.key("meet", meet_id), self.owner, self.lease_ms, self.address)
            except redis.ResponseError as error:
                if str(error).startswith("GONE"):  # deleted meanwhile
                    raise StorageError(str(error)) from error
                raise OwnedElsewhere(str(error)) from error
        holding = _Holding(epoch=int(epoch), head=int(head))
        self.hold(meet_id, holding)
        return holding

    def end_lease(self, meet_id: str) -> None:
        holding = self.holding(meet_id)
        if holding is not None:
            with redis_errors("ending the lease"):
                self.client.eval(END_LEASE_SCRIPT, 1, self.key("meet", meet_id), holding.epoch)
        self.release(meet_id)

    def renew(self, meet_id: str) -> bool:
        """Extend this process's lease on a meet it holds; False (and the meet is no
        longer held) once another process took it."""
        holding = self.holding(meet_id)
        if holding is None:
            return False
        with redis_errors("renewing the lease"):
            renewed = self.renew_script(keys=[self.key("meet", meet_id)], args=[holding.epoch, self.lease_ms])
        if not renewed:
            self.release(meet_id)
        return bool(renewed)

    @property
    def shared(self) -> bool:
        return True

    def place_of(self, meet_id: str) -> Place | None:
        with redis_errors("finding a meet"):
            pipe = self.client.pipeline(transaction=False)
            for place in Place:
                pipe.sismember(self.place_key(place), meet_id)
            found = pipe.execute()
        return next((place for place, here in zip(Place, found) if here), None)

    def owner_address(self, meet_id: str) -> str | None:
        """Where the process holding the meet's running lease is reached (None: this
        one holds it, or nobody does)."""
        with redis_errors("finding the meet's owner"):
            address = self.client.eval(OWNER_SCRIPT, 1, self.key("meet", meet_id), self.owner)
        return None if address is None else str(address.decode())

    def open(self, holder: str) -> None:
        """Check that Redis answers and keeps every acknowledged write; refuse with the
        reason otherwise. Several processes share one Redis: nothing is locked here."""
        with redis_errors("connecting to Redis"):
            try:
                problems = settings_problems(self.client)
            except redis.ResponseError as error:  # CONFIG disabled (a managed Redis)
                raise StorageError(f"cannot check the Redis settings (CONFIG GET): {error}") from error
        if problems:
            raise StorageError("; ".join(problems))
        if self.archive_root is not None:
            DataPaths(self.archive_root).ensure()
        self.finish_interrupted()

    def finish_interrupted(self) -> list[str]:
        if self.archive_root is None:
            return []
        resumed = redisarchive.finish_exports(self)
        if resumed:
            log.warning("finished writing meets out of Redis after an interruption", extra={"meets": len(resumed)})
        return resumed

    def close(self) -> None:
        self.client.close()

    def describe(self, where: Any) -> str:
        return str(where)

    def meet_ids(self, place: Place) -> list[str]:
        with redis_errors("listing meets"):
            return sorted(member.decode() for member in self.client.smembers(self.place_key(place)))

    def count(self, place: Place) -> int:
        with redis_errors("counting meets"):
            return int(self.client.scard(self.place_key(place)))

    def records(self, meet_id: str, place: Place) -> RedisMeetRecords:
        return RedisMeetRecords(self, meet_id)  # a meet's keys do not depend on its place

    def is_taken(self, meet_id: str) -> bool:
        with redis_errors("checking a meet id"):
            return bool(self.client.sismember(self.key("ids"), meet_id))

    def session_key(self, token_hash: str) -> str:
        return self.key("session", token_hash)

    def index_sessions(self, meet_id: str, sessions: list[dict[str, Any]]) -> None:
        """Let every process find each session's meet by its token hash: one small key
        per session, gone when the session expires. A key outliving its session (one
        archived or deleted) is only a hint: the meet's own list decides."""
        now_ms = time.time() * 1000
        with redis_errors("indexing sessions"):
            pipe = self.client.pipeline(transaction=False)
            for session in sessions:
                hashed, expires_ms = session.get("tokenHash"), _number(session.get("expiresAt")) * 1000
                if isinstance(hashed, str) and expires_ms > now_ms:
                    pipe.set(self.session_key(hashed), meet_id, pxat=int(expires_ms))
            pipe.execute()

    def meet_of_session(self, token_hash: str) -> str | None:
        with redis_errors("finding a session"):
            meet_id = self.client.get(self.session_key(token_hash))
        return None if meet_id is None else str(meet_id.decode())

    def move(self, meet_id: str, source: Place, target: Place) -> None:
        """A finished or archived meet's log then goes out of Redis memory into files; an
        archived meet joined again brings it back. The process holds the meet for both
        (an operator's archive takes it here, refused while another process serves it)."""
        taken_here = self.archive_root is not None and self.holding(meet_id) is None
        if taken_here:
            self.take(meet_id)
        try:
            if source in redisarchive.OUT_OF_REDIS and self.archive_root is not None:
                redisarchive.bring_back(self, meet_id)
            with redis_errors("moving the meet"):
                if not self.client.smove(self.place_key(source), self.place_key(target), meet_id):
                    raise StorageError(f"meet {meet_id} is not among the {source.value}")
                self.client.hset(self.key("meet", meet_id), "changed", time.time())
            if target in redisarchive.OUT_OF_REDIS and self.archive_root is not None:
                try:
                    redisarchive.export(self, meet_id, target)
                except StorageError as error:  # moved all the same: the next start finishes it
                    log.error("cannot write the meet out of Redis yet", extra={"meetId": meet_id, "error": str(error)})
        finally:
            if taken_here or target is Place.ARCHIVED:  # nobody serves an archived meet
                self.end_lease(meet_id)

    def remove(self, meet_id: str, place: Place) -> None:
        with redis_errors("removing the meet"):
            pipe = self.client.pipeline(transaction=True)
            pipe.srem(self.place_key(place), meet_id)
            pipe.delete(self.key("meet", meet_id), self.key("meet", meet_id, "log"))
            pipe.publish(self.channel(meet_id), GONE_NOTICE)
            pipe.execute()
        self.release(meet_id)
        if place in redisarchive.OUT_OF_REDIS and self.archive_root is not None:
            redisarchive.remove_folder(self, meet_id, place)

    def last_change(self, meet_id: str, place: Place) -> float:
        with redis_errors("reading the last change"):
            changed = self.client.hget(self.key("meet", meet_id), "changed")
        return float(changed) if changed is not None else 0.0

    def is_writable(self) -> bool:
        try:
            return bool(self.client.ping())
        except redis.RedisError:
            return False


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
