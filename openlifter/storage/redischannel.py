"""Each meet's channel on the shared Redis (SPEC section 8): the owner of a meet announces
every durable round there, so that other server processes can keep read-only copies of
the meet for their own displays.

A notice is one Redis message:
- ``log <first> <last>``, then (when the round's records fit ``NOTICE_INLINE_BYTES``) one
  stored record per line: entries ``first..last`` are in the meet's Stream. A big round
  sends only its seqs, and a copy reads them from the Stream;
- ``auth``: the meet's auth record changed (a new display key);
- ``gone``: the meet was deleted.

The owner's append script publishes the log notice itself (``redisstore.APPEND_SCRIPT``),
so only the fenced holder announces rounds, in log order. Redis may drop a subscriber
(``CLIENT KILL``, a full output buffer, a network cut): ``MeetChannels`` then subscribes
again and says so, and every copy fills what it missed from the Stream.

Unlike the rest of storage/, the subscription runs on the event loop (``redis.asyncio``):
it only waits for messages, it never blocks.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from typing import Callable

import redis
import redis.asyncio

from openlifter.storage.files import StorageError
from openlifter.storage.meetfiles import entry_from_record
from openlifter.storage.store import LogEntry

log = logging.getLogger(__name__)

# A round whose records are larger than this is announced by its seqs alone: a notice is
# copied to every subscribed process, so its size is bounded whatever a round holds.
NOTICE_INLINE_BYTES = 64 * 1024
AUTH_NOTICE = b"auth"
GONE_NOTICE = b"gone"
RESUBSCRIBE_FIRST_WAIT = 0.05  # seconds before subscribing again after a lost subscription
RESUBSCRIBE_LONGEST_WAIT = 2.0
SUBSCRIBE_WAIT_SECONDS = 5.0  # a display waits no longer for an unreachable Redis


@dataclasses.dataclass(frozen=True)
class LogNotice:
    """Entries ``first..last`` are durable; ``entries`` holds them unless the round was big."""

    first: int
    last: int
    entries: list[LogEntry] | None


@dataclasses.dataclass(frozen=True)
class RecordNotice:
    """A change of the meet's records: ``auth`` (read it again) or ``gone`` (deleted)."""

    what: str


Notice = LogNotice | RecordNotice


def log_notice(first: int, records: list[bytes]) -> bytes:
    """The notice of a round of stored records (one JSON object each) from seq ``first``."""
    header = b"log %d %d" % (first, first + len(records) - 1)
    if sum(len(record) + 1 for record in records) > NOTICE_INLINE_BYTES:
        return header
    return b"\n".join([header, *records])


def parse_notice(data: bytes) -> Notice | None:
    """The notice in a channel message; None when it cannot be read (the copy then reads
    the Stream, which is the truth)."""
    if data in (AUTH_NOTICE, GONE_NOTICE):
        return RecordNotice(data.decode())
    header, *records = data.split(b"\n")
    words = header.split(b" ")
    if len(words) != 3 or words[0] != b"log" or not all(w.isdigit() for w in words[1:]):
        return None
    first, last = int(words[1]), int(words[2])
    if not 1 <= first <= last:
        return None
    if not records:
        return LogNotice(first, last, None)
    try:
        entries = [entry_from_record(json.loads(record)) for record in records]
    except ValueError:
        return LogNotice(first, last, None)
    if [e.server_seq for e in entries] != list(range(first, last + 1)):
        return LogNotice(first, last, None)
    return LogNotice(first, last, entries)


class MeetChannels:
    """This process's one subscription to the channels of the meets it keeps copies of.

    ``heard(meet_id, notice)`` is called on the event loop for each message (None: an
    unreadable one); ``resubscribed()`` after the subscription was lost and is back, since
    notices sent meanwhile are gone."""

    def __init__(
        self,
        url: str,
        channel_of: Callable[[str], str],
        heard: Callable[[str, Notice | None], None],
        resubscribed: Callable[[], None],
        idle_channel: str,
    ) -> None:
        self._client = redis.asyncio.Redis.from_url(url, health_check_interval=30)
        self._channel_of = channel_of
        self._heard = heard
        self._resubscribed = resubscribed
        self._idle_channel = idle_channel  # always subscribed: a subscription with no channel ends
        self._meets: dict[str, str] = {}  # channel -> meet id, of every meet listened to
        self._pubsub: redis.asyncio.client.PubSub | None = None
        self._connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.subscriptions = 0  # how many times the subscription was made (tests, metrics)

    async def listen(self, meet_id: str) -> None:
        """Receive the meet's notices from now on (the caller reads the Stream after)."""
        channel = self._channel_of(meet_id)
        self._meets[channel] = meet_id
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._run())
        try:
            await asyncio.wait_for(self._connected.wait(), SUBSCRIBE_WAIT_SECONDS)
        except asyncio.TimeoutError:
            raise StorageError("subscribing to the meet's channel: Redis is unreachable") from None
        pubsub = self._pubsub
        if pubsub is None:
            await self.listen(meet_id)  # lost meanwhile: the next subscription takes it
            return
        try:
            await pubsub.subscribe(channel)
        except (redis.RedisError, OSError) as error:
            # The reader sees the same failure, subscribes every channel again, and calls
            # resubscribed(): the copy fills from the Stream then.
            log.warning("could not subscribe to a meet's channel", extra={"meetId": meet_id, "error": error.__class__.__name__})

    async def unlisten(self, meet_id: str) -> None:
        channel = self._channel_of(meet_id)
        if self._meets.pop(channel, None) is None or self._pubsub is None:
            return
        try:
            await self._pubsub.unsubscribe(channel)
        except (redis.RedisError, OSError):
            pass  # the next subscription leaves it out

    async def _run(self) -> None:
        wait = RESUBSCRIBE_FIRST_WAIT
        first = True
        while True:
            pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self._idle_channel, *self._meets)
                self._pubsub = pubsub
                self._connected.set()
                self.subscriptions += 1
                if not first:
                    log.warning("meet channels subscribed again; copies catch up from the log", extra={"meets": len(self._meets)})
                    self._resubscribed()
                first, wait = False, RESUBSCRIBE_FIRST_WAIT
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    channel = message["channel"].decode()
                    meet_id = self._meets.get(channel)
                    if meet_id is not None:
                        self._heard(meet_id, parse_notice(message["data"]))
            except asyncio.CancelledError:
                await _close_quietly(pubsub)
                raise
            except (redis.RedisError, OSError) as error:
                log.warning("meet channel subscription lost", extra={"error": error.__class__.__name__})
            self._connected.clear()
            self._pubsub = None
            await _close_quietly(pubsub)
            await asyncio.sleep(wait)
            wait = min(RESUBSCRIBE_LONGEST_WAIT, wait * 2)

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass
        await self._client.aclose()


async def _close_quietly(pubsub: redis.asyncio.client.PubSub) -> None:
    try:
        await pubsub.aclose()
    except (redis.RedisError, OSError, RuntimeError):
        pass
