"""Finished and archived meets out of Redis memory (SPEC section 8).

A published meet, or one archived, no longer takes updates, so its log (the bulk of it)
moves out of Redis into a folder of files in the file store's layout
(``<archive root>/finished-meets/<meetId>/`` or ``archived-meets/<meetId>/``: updates.log,
auth.json, sessions.json, opl.csv, email.txt), where ``openlifter-meets`` and the file
store read it too. What stays in Redis is the meet's small hash (auth, sessions, lease,
head) and its id in two sets: sessions, joins, leases and meet-id uniqueness work as
before, on every process.

The hash's ``files`` field says where the log is: while it is missing, Redis holds the
log and any folder is a leftover to be replaced; once it is set (one fenced script that
also deletes the stream), the folder is complete and holds it. So a crash at any step
leaves a readable meet, and exporting again is always safe: ``finish_exports`` resumes
at start what a crash interrupted. With several hosts the archive root must be one
folder they all share (NFS): every process reads a finished meet's log from it.

Everything here blocks; the server calls it from its storage threads.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import redis

from openlifter.storage.files import (
    AppendOnlyFile,
    DamagedFile,
    DataPaths,
    StorageError,
    atomic_write_bytes,
    atomic_write_json,
    fsync_dir,
    storage_errors,
)
from openlifter.storage.meetfiles import AUTH_NAME, CSV_NAME, EMAIL_NAME, LOG_NAME, SESSIONS_NAME, MeetFiles, entry_line
from openlifter.storage.redisconn import redis_errors
from openlifter.storage.store import Fenced, LogEntry, OwnedElsewhere, Place

if TYPE_CHECKING:
    from openlifter.storage.redisstore import RedisMeetStore

log = logging.getLogger(__name__)

FILES_FIELD = "files"  # in the meet hash: the place whose folder holds the log
OUT_OF_REDIS = (Place.FINISHED, Place.ARCHIVED)
PAGE = 1000  # log entries per round trip, both ways

_FENCE = """
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[1] then
  return redis.error_reply('FENCED epoch ' .. ARGV[1] .. ' is stale')
end
"""

# KEYS: meet hash, log. ARGV: epoch, place. The folder is complete: it holds the log now.
EXPORTED_SCRIPT = _FENCE + """
redis.call('HSET', KEYS[1], 'files', ARGV[2])
redis.call('HDEL', KEYS[1], 'opl_csv', 'return_email')
redis.call('DEL', KEYS[2])
return 1
"""

# KEYS: meet hash, log. ARGV: epoch, seq of the first record, records. One page of a log
# coming back from its folder (the first page starts the stream afresh).
IMPORT_PAGE_SCRIPT = _FENCE + """
local seq = tonumber(ARGV[2])
if seq == 1 then redis.call('DEL', KEYS[2]) end
for i = 3, #ARGV do
  redis.call('XADD', KEYS[2], seq .. '-0', 'entry', ARGV[i])
  seq = seq + 1
end
return seq
"""

# KEYS: meet hash, log. ARGV: epoch. The stream holds the whole log again: Redis is its home.
IMPORTED_SCRIPT = _FENCE + """
local head = tonumber(redis.call('HGET', KEYS[1], 'head') or '0')
if redis.call('XLEN', KEYS[2]) ~= head then
  return redis.error_reply('the log came back with ' .. redis.call('XLEN', KEYS[2]) .. ' updates, not ' .. head)
end
redis.call('HDEL', KEYS[1], 'files')
return 1
"""


def folder(store: "RedisMeetStore", meet_id: str, place: Place) -> Path:
    if store.archive_root is None:
        raise StorageError("no folder to archive meets in (redis_archive_dir)")
    return DataPaths(store.archive_root).meet_dir(meet_id, finished=place is Place.FINISHED, archived=place is Place.ARCHIVED)


def files_place(store: "RedisMeetStore", meet_id: str) -> Place | None:
    """The place whose folder holds the meet's log, or None while Redis holds it."""
    raw = store.client.hget(store.key("meet", meet_id), FILES_FIELD)
    return None if raw is None else Place(raw.decode())


def replay_files(store: "RedisMeetStore", meet_id: str, place: Place, head: int) -> list[LogEntry]:
    """The log of a meet kept in files (its lease already taken)."""
    where = folder(store, meet_id, place)
    with storage_errors(f"reading {where.name}"):
        if not where.is_dir():  # e.g. the shared folder is not mounted here: it may come back
            raise StorageError(f"{store.describe(where)} is missing (is redis_archive_dir shared with this host?)")
    entries = MeetFiles(where).replay().entries
    if len(entries) != head:
        raise DamagedFile(where / LOG_NAME, f"it holds {len(entries)} updates, the meet's head says {head}")
    return entries


def export(store: "RedisMeetStore", meet_id: str, place: Place) -> None:
    """Write the meet to its folder, then drop its log from Redis. The caller holds the
    meet (its epoch fences the last step). Safe to run again after any crash."""
    holding = store.holding(meet_id)
    if holding is None:
        raise Fenced("this process does not hold the meet")
    meta, stream = store.key("meet", meet_id), store.key("meet", meet_id, "log")
    with redis_errors("reading the meet to archive it"):
        if files_place(store, meet_id) is not None:
            return  # done before
        fields = store.client.hgetall(meta)
    target = folder(store, meet_id, place)
    staging = target.with_name(f".export-{meet_id}-{secrets.token_hex(4)}")
    try:
        _write_folder(store, staging, stream, fields)
        _replace_folder(staging, target)
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(staging)
    with redis_errors("dropping the archived log from Redis"):
        try:
            store.client.eval(EXPORTED_SCRIPT, 2, meta, stream, holding.epoch, place.value)
        except redis.ResponseError as error:
            store.release(meet_id)
            raise Fenced(str(error)) from error
    log.info("meet written out of Redis", extra={"meetId": meet_id, "folder": store.describe(target)})


def _write_folder(store: "RedisMeetStore", staging: Path, stream: str, fields: dict[bytes, bytes]) -> None:
    with storage_errors("making the archive folder"):
        staging.mkdir(parents=True)
    text = {name.decode(): value.decode("utf-8") for name, value in fields.items()}
    try:  # the same files as the file store's (its readers and openlifter-meets read them)
        atomic_write_json(staging / AUTH_NAME, json.loads(text["auth"]))
        atomic_write_json(staging / SESSIONS_NAME, {"sessions": json.loads(text.get("sessions", "[]"))})
    except (KeyError, ValueError) as error:
        raise DamagedFile(f"{stream.removesuffix(':log')} auth", "missing or not JSON") from error
    if "opl_csv" in text:  # write_publication's files, as the file store writes them
        atomic_write_bytes(staging / CSV_NAME, text["opl_csv"].encode("utf-8"))
        atomic_write_bytes(staging / EMAIL_NAME, (text.get("return_email", "") + "\n").encode("utf-8"))
    log_file = AppendOnlyFile(staging / LOG_NAME)
    written = 0
    try:
        start = "-"
        while True:
            with redis_errors("reading the log to archive it"):
                page = store.client.xrange(stream, min=start, max="+", count=PAGE)
            if page:
                log_file.append(b"".join(entry[b"entry"] + b"\n" for _, entry in page))
                written += len(page)
            if len(page) < PAGE:
                break
            start = "(" + page[-1][0].decode()
    finally:
        log_file.close()
    if written != int(text.get("head", "0")):  # never drop a log from Redis that the files lack
        raise DamagedFile(stream, f"it holds {written} updates, the meet's head says {text.get('head')}")
    fsync_dir(staging)


def _replace_folder(staging: Path, target: Path) -> None:
    """Put the complete folder in place of any leftover one (a stale copy from before)."""
    with storage_errors(f"moving {target.name} in place"):
        if target.exists():
            doomed = target.with_name(f".stale-{target.name}-{secrets.token_hex(4)}")
            os.rename(target, doomed)
            shutil.rmtree(doomed)
        os.rename(staging, target)
        fsync_dir(target.parent)


def bring_back(store: "RedisMeetStore", meet_id: str) -> None:
    """Put an archived meet's log back in Redis (it is joined again: it takes updates),
    then drop its folder. The caller holds the meet. Until the last script the folder
    stays the truth, so a crash midway loses nothing."""
    holding = store.holding(meet_id)
    if holding is None:
        raise Fenced("this process does not hold the meet")
    place = files_place(store, meet_id)
    if place is None:
        return  # the log never left Redis (an archive interrupted before its end)
    meta, stream = store.key("meet", meet_id), store.key("meet", meet_id, "log")
    entries = replay_files(store, meet_id, place, holding.head)
    with redis_errors("putting the log back in Redis"):
        try:
            for start in range(0, max(len(entries), 1), PAGE):
                records = [entry_line(entry).rstrip(b"\n") for entry in entries[start : start + PAGE]]
                store.client.eval(IMPORT_PAGE_SCRIPT, 2, meta, stream, holding.epoch, start + 1, *records)
            store.client.eval(IMPORTED_SCRIPT, 2, meta, stream, holding.epoch)
        except redis.ResponseError as error:
            if str(error).startswith("FENCED"):
                store.release(meet_id)
                raise Fenced(str(error)) from error
            raise StorageError(f"putting the log back in Redis: {error}") from error
    remove_folder(store, meet_id, place)


def remove_folder(store: "RedisMeetStore", meet_id: str, place: Place) -> None:
    target = folder(store, meet_id, place)
    with storage_errors(f"removing {target.name}"):
        if target.exists():
            doomed = target.with_name(f".deleting-{target.name}-{secrets.token_hex(4)}")
            os.rename(target, doomed)
            fsync_dir(target.parent)
            shutil.rmtree(doomed)


def finish_exports(store: "RedisMeetStore") -> list[str]:
    """Export the finished and archived meets whose export a crash or a failure
    interrupted (their log still in Redis). A meet another process holds is left to it;
    one this process serves stays held. Returns their ids."""
    done = []
    for place in OUT_OF_REDIS:
        ids = store.meet_ids(place)
        with redis_errors("finding meets to archive"):
            pipe = store.client.pipeline(transaction=False)
            for meet_id in ids:
                pipe.hexists(store.key("meet", meet_id), FILES_FIELD)
            exported = pipe.execute()
        for meet_id in [meet_id for meet_id, out in zip(ids, exported) if not out]:
            held_here = store.holding(meet_id) is not None
            try:
                if not held_here:
                    store.take(meet_id)
                export(store, meet_id, place)
            except OwnedElsewhere:
                continue  # its holder serves it and finishes its export
            except StorageError as error:
                log.error("cannot write a finished meet out of Redis", extra={"meetId": meet_id, "error": str(error)})
                continue
            finally:
                if not held_here:
                    store.end_lease(meet_id)
            done.append(meet_id)
    return done


