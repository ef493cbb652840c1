"""The meets this server knows: create, join, sessions, lazy race-free loading, publish.

Owned by the application; one per server, built in ``make_app``.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import dataclasses
import logging
import time
from typing import Any, Callable, Protocol, TypeVar

from openlifter.auth import passwords
from openlifter.auth.secrets import keys_match, new_display_key, new_meet_id, new_session_token, normalize_meet_id, token_hash
from openlifter.auth.sessions import Session, SessionIndex
from openlifter.config import Config
from openlifter.meet import errors
from openlifter.meet.budget import LoopShare
from openlifter.meet.errors import Rejected
from openlifter.meet.live import LiveMeet, MeetAuth, MeetObserver, Replies
from openlifter.meet.meet import Endpoint, Meet, MeetLimits
from openlifter.meet.ratelimit import Attempt
from openlifter.meet.ratelimit import AddressLimit
from openlifter.meet.replica import DisplayedMeet
from openlifter.storage.executor import StorageExecutor
from openlifter.storage.files import DamagedFile, StorageError
from openlifter.storage.filestore import FileMeetStore
from openlifter.storage.store import MeetRecords, MeetStore, OwnedElsewhere, Place

log = logging.getLogger(__name__)

RATE_WINDOW_SECONDS = 60.0

# Where a meet's folder is (SPEC section 3, plus archived-meets/ for long-idle meets).
CURRENT, ARCHIVED, FINISHED = "current", "archived", "finished"
PLACES = {CURRENT: Place.CURRENT, ARCHIVED: Place.ARCHIVED, FINISHED: Place.FINISHED}
ARCHIVE_ONLY_CURRENT = "only a current (unpublished) meet can be archived"
MEET_IN_USE = "the meet is in use (connected browsers or displays); close them first"
NO_SUCH_MEET = "no such meet"

T = TypeVar("T")

REPLAY_CHUNK = 100  # log entries replayed between looks at the clock


class RegistryObserver(MeetObserver, Protocol):
    """What the registry reports for metrics, besides what its meets report."""

    def meet_created(self) -> None: ...

    def meet_joined(self) -> None: ...


@dataclasses.dataclass(frozen=True)
class MeetSummary:
    """What an operator sees of a meet in the admin list (no secrets)."""

    meet_id: str
    status: str  # CURRENT, ARCHIVED or FINISHED
    last_activity: float  # seconds since the epoch: the newest file of its folder
    loaded: bool
    connections: int

    def to_json(self) -> dict[str, object]:
        return {
            "meetId": self.meet_id,
            "status": self.status,
            "lastActivity": self.last_activity,
            "loaded": self.loaded,
            "connections": self.connections,
        }


@dataclasses.dataclass(frozen=True)
class Admission:
    live: LiveMeet
    session: Session
    token: str


class MeetRegistry:
    def __init__(
        self,
        config: Config,
        io: StorageExecutor,
        replies: Replies,
        clock: Callable[[], float] = time.time,
        observer: RegistryObserver | None = None,
        store: MeetStore | None = None,
    ) -> None:
        self.config = config
        self.replies = replies
        self.observer = observer
        # The embedded file store unless told otherwise (make_app passes it explicitly).
        self.store: MeetStore = store if store is not None else FileMeetStore(config.data_path)
        self.io = io
        self.clock = clock
        self.sessions = SessionIndex()
        self._meets: dict[str, LiveMeet] = {}
        self._loading: dict[str, asyncio.Future[LiveMeet | None]] = {}
        self._current_ids: set[str] = set()
        self._finished_ids: set[str] = set()
        self._archived_ids: set[str] = set()
        self._moving: dict[str, asyncio.Future[None]] = {}  # folders being archived or deleted
        self._session_locks: dict[str, asyncio.Lock] = collections.defaultdict(asyncio.Lock)
        # Join attempts count from the moment they arrive; a right password gives its back.
        self.failed_joins = AddressLimit(config.join_attempts_per_minute, RATE_WINDOW_SECONDS, clock)
        self._creates = AddressLimit(config.creates_per_minute, RATE_WINDOW_SECONDS, clock)
        # Long jobs of every meet (judging, restoring, replaying) take turns on the loop.
        self.loop_share = LoopShare(config.meet_time_slice_seconds, config.max_strangers_per_address)
        self.meet_limits = MeetLimits(
            max_padding_per_update=config.max_padding_per_update,
            max_log_bytes=config.max_meet_log_bytes,
            max_state_bytes=config.max_meet_state_bytes,
            max_server_value_bytes=config.max_server_value_bytes,
            max_rejection_values_bytes=config.max_rejection_values_bytes,
            conflict_check_steps=config.conflict_check_steps,
        )
        # Meets with a damaged file: refused with the reason until the operator fixes the
        # file and restarts (meet id -> the reason clients get).
        self._out_of_service: dict[str, str] = {}
        self.on_meet_loaded: list[Callable[[LiveMeet], object]] = []
        self.on_meet_unloaded: list[Callable[[LiveMeet], object]] = []
        # A meet another process took (a shared store): its sockets must close at once.
        self.on_meet_lost: list[Callable[[LiveMeet], object]] = []
        # Other holders of a meet (display feeds) say here whether it is still in use.
        self.in_use: list[Callable[[LiveMeet], bool]] = []
        # A hash of a random password, that wrong meet ids are checked against; made on the
        # password pool from start() on, so start-up does not wait for a bcrypt round.
        self._dummy_hash: concurrent.futures.Future[str] | None = None
        # bcrypt keeps a core busy per thread: a few threads, so that a crowd of joins
        # waits its turn instead of starving the event loop that relays every meet.
        self._password_work = 0  # hashes and checks waiting or running
        self._password_pool = concurrent.futures.ThreadPoolExecutor(
            config.password_threads, thread_name_prefix="bcrypt", initializer=passwords.lower_this_threads_priority
        )
        self.replays = 0  # how many logs were read from disk (a load shared by joins counts once)

    # ---- start-up -------------------------------------------------------------------

    def start(self, holder: str = "openlifter-server") -> None:
        """Create the data folders and index every meet's sessions (logs load lazily).
        Runs once before the server listens, so blocking here is fine. Refuses (raises
        DataFolderInUse) when another process serves the same data folder."""
        self.store.open(holder)
        self._current_ids = set(self._remove_unfinished_creates(self.store.meet_ids(Place.CURRENT)))
        self._finished_ids = set(self.store.meet_ids(Place.FINISHED))
        self._archived_ids = set(self.store.meet_ids(Place.ARCHIVED))
        now = self.clock()
        for meet_id in self._current_ids | self._finished_ids:
            files = self._files(meet_id)
            try:
                self.sessions.add_records(meet_id, files.read_sessions(), now)
            except DamagedFile as error:
                self._take_out_of_service(meet_id, error)
            except StorageError as error:  # unreadable: serving it would overwrite its sessions
                self._out_of_service[meet_id] = errors.JOIN_MEET_UNREADABLE
                log.error(
                    "meet out of service: cannot read its sessions",
                    extra={"meetId": meet_id, "file": self.store.describe(files.sessions_path), "error": str(error)},
                )
        self._dummy_hash = self._password_pool.submit(passwords.hash_password, new_session_token(), self.config.bcrypt_rounds)
        log.info(
            "meets indexed",
            extra={"current": len(self._current_ids), "finished": len(self._finished_ids), "archived": len(self._archived_ids)},
        )

    def _remove_unfinished_creates(self, meet_ids: list[str]) -> list[str]:
        """A create interrupted before auth.json was written (auth.json comes last)
        leaves a folder nobody was told about and nothing was stored in: remove it, so it
        neither counts toward max_meets nor fails to load. Returns the other ids."""
        kept = []
        for meet_id in meet_ids:
            files = self.store.records(meet_id, Place.CURRENT)
            try:
                if not files.is_unfinished_create():
                    kept.append(meet_id)
                    continue
                self.store.remove(meet_id, Place.CURRENT)
                log.warning("removed the folder of an interrupted create", extra={"meetId": meet_id})
            except StorageError as error:
                log.error("cannot remove the folder of an interrupted create", extra={"meetId": meet_id, "error": str(error)})
        return kept

    # ---- loading --------------------------------------------------------------------

    def _take_out_of_service(self, meet_id: str, error: DamagedFile) -> None:
        self._out_of_service[meet_id] = errors.JOIN_MEET_DAMAGED
        log.warning(
            "meet out of service: damaged file",
            extra={"meetId": meet_id, "file": self.store.describe(error.path), "error": str(error)},
        )

    def out_of_service(self, meet_id: str) -> str | None:
        """Why the meet is refused (a damaged or unreadable file), or None."""
        return self._out_of_service.get(meet_id)

    def loaded(self, meet_id: str) -> LiveMeet | None:
        return self._meets.get(meet_id)

    def loaded_meets(self) -> list[LiveMeet]:
        return list(self._meets.values())

    def exists(self, meet_id: str) -> bool:
        return self.status_of(meet_id) is not None

    def status_of(self, meet_id: str) -> str | None:
        if meet_id in self._current_ids:
            return CURRENT
        if meet_id in self._finished_ids:
            return FINISHED
        if meet_id in self._archived_ids:
            return ARCHIVED
        return None

    def place_of(self, meet_id: str) -> Place:
        return PLACES[self.status_of(meet_id) or CURRENT]

    async def get(self, meet_id: str) -> LiveMeet | None:
        """The meet, loading it from disk once even when many ask at the same time."""
        moving = self._moving.get(meet_id)
        if moving is not None:  # being archived or deleted: ask again once it is done
            await asyncio.shield(moving)
        live = self._meets.get(meet_id)
        if live is not None:
            live.touch()  # whoever asked may hold it across an await: not idle now
            return live
        await self._discover(meet_id)
        if not self.exists(meet_id):
            return None
        if meet_id in self._out_of_service:
            raise Rejected(self._out_of_service[meet_id])
        pending = self._loading.get(meet_id)
        if pending is None:
            pending = asyncio.ensure_future(self._load(meet_id))
            self._loading[meet_id] = pending
            pending.add_done_callback(lambda _: self._loading.pop(meet_id, None))
        return await asyncio.shield(pending)

    async def _discover(self, meet_id: str, sessions_changed: bool = False) -> None:
        """A shared store: learn of a meet another process created (or moved) since this
        one started, with its sessions, so that it can be joined and served here (and
        read its sessions again when another process ``sessions_changed``)."""
        if not self.store.shared or meet_id in self._out_of_service:
            return
        try:
            place = await self.io.run(self.store.place_of, meet_id)
            if place is None or place is self.place_of(meet_id) and self.exists(meet_id) and not sessions_changed:
                return
            sessions = await self.io.run(self.store.records(meet_id, place).read_sessions)
        except StorageError as error:
            log.error("cannot look up a meet in the store", extra={"meetId": meet_id, "error": str(error)})
            raise Rejected(errors.MEET_STORAGE_BUSY) from error
        for ids in (self._current_ids, self._finished_ids, self._archived_ids):
            ids.discard(meet_id)
        {Place.CURRENT: self._current_ids, Place.FINISHED: self._finished_ids, Place.ARCHIVED: self._archived_ids}[place].add(meet_id)
        self.sessions.forget_meet(meet_id)
        self.sessions.add_records(meet_id, sessions, self.clock())

    def _files(self, meet_id: str) -> MeetRecords:
        return self.store.records(meet_id, self.place_of(meet_id))

    async def _read(self, meet_id: str, read: Callable[[], T]) -> T:
        """Read a meet's file on a storage thread. A damaged file takes the meet out of
        service; any other storage error is refused this time only (it may pass)."""
        try:
            return await self.io.run(read)
        except DamagedFile as error:
            self._take_out_of_service(meet_id, error)
            raise Rejected(errors.JOIN_MEET_DAMAGED) from error
        except OwnedElsewhere as error:
            raise Rejected(errors.MEET_SERVED_ELSEWHERE) from error
        except StorageError as error:
            log.error("cannot read meet files", extra={"meetId": meet_id, "error": str(error)})
            raise Rejected(errors.MEET_STORAGE_BUSY) from error

    async def _read_auth(self, meet_id: str, files: MeetRecords) -> MeetAuth:
        return await self._read(meet_id, lambda: MeetAuth.from_json(files.read_auth(), files.auth_path))

    async def _load(self, meet_id: str) -> LiveMeet | None:
        finished = meet_id in self._finished_ids
        files = self._files(meet_id)
        auth = await self._read_auth(meet_id, files)
        self.replays += 1
        replay = await self._read(meet_id, files.replay)
        if self.store.shared:  # held now: the sessions other processes made while they held it
            self.sessions.forget_meet(meet_id)
            self.sessions.add_records(meet_id, await self._read(meet_id, files.read_sessions), self.clock())
        meet = Meet(meet_id, [Endpoint(n, p) for n, p in auth.endpoints], published=finished, limits=self.meet_limits)
        # Rebuilding a long log takes seconds of Python: in time slices, so other meets'
        # relays go on meanwhile (nothing else sees this Meet yet).
        left_out = 0
        self.loop_share.slice_seconds = self.config.meet_time_slice_seconds
        time_slice = self.loop_share.slice(meet)
        try:
            for start in range(0, len(replay.entries), REPLAY_CHUNK):
                left_out += meet.replay(replay.entries[start : start + REPLAY_CHUNK])
                await time_slice.tick()
        finally:
            time_slice.close()
        if left_out:
            log.warning("updates.log holds updates past max_padding_per_update; kept in the log, left out of the state", extra={"meetId": meet_id, "leftOut": left_out})
        log.info("meet loaded", extra={"meetId": meet_id, "updates": meet.head, "cutBytes": replay.cut_bytes})
        live = LiveMeet(meet, auth, files, self.io, self.replies)
        self._register(live)
        return live

    def _register(self, live: LiveMeet) -> None:
        live.recovery_wait_seconds = self.config.recovery_wait_seconds
        live.recovery_retry_seconds = self.config.recovery_retry_seconds
        live.pull_page_size = self.config.pull_page_size
        live.pull_page_bytes = self.config.pull_page_bytes
        live.max_connections = self.config.max_connections_per_meet
        self.loop_share.slice_seconds = self.config.meet_time_slice_seconds  # a reloaded config applies
        live.loop_share = self.loop_share
        live.observer = self.observer
        self._meets[live.meet_id] = live
        for hook in self.on_meet_loaded:
            hook(live)

    # ---- create and join ------------------------------------------------------------

    async def create_meet(self, this_location: str, password: str, endpoints: list[tuple[str, int]], address: str) -> Admission:
        problem = passwords.password_problem(password, self.password_policy())
        if problem:
            raise Rejected(problem)
        names = [name for name, _ in endpoints]
        if len(set(names)) != len(names):
            raise Rejected("location names in endpoints must be unique")
        if this_location not in names:
            raise Rejected("thisLocationName must be one of the endpoints")
        if len(self._current_ids) >= self.config.max_meets:
            raise Rejected(errors.CREATE_SERVER_FULL)
        if self.store.shared and await self._shared_count() >= self.config.max_meets:  # every process's meets
            raise Rejected(errors.CREATE_SERVER_FULL)
        if await self._take_attempt(self._creates, "create", address) is None:  # counted at once: a burst cannot slip by
            raise Rejected(errors.CREATE_RATE_LIMITED)
        meet_id = self._unused_meet_id()
        self._current_ids.add(meet_id)  # reserve before any await
        try:
            password_hash = await self._bcrypt(passwords.hash_password, password, self.config.bcrypt_rounds)
            auth = MeetAuth(meet_id, password_hash, tuple(endpoints), new_display_key(), self.clock())
            files = self.store.records(meet_id, Place.CURRENT)
            await self.io.run(files.create, auth.to_json())
        except StorageError as error:
            self._current_ids.discard(meet_id)
            log.error("cannot create meet", extra={"meetId": meet_id, "error": str(error)})
            await self.io.run(self._remove_unfinished_creates, [meet_id])
            raise Rejected(errors.CREATE_STORAGE_FAILED) from error
        except BaseException:
            self._current_ids.discard(meet_id)
            raise
        live = LiveMeet(Meet(meet_id, [Endpoint(n, p) for n, p in endpoints], limits=self.meet_limits), auth, files, self.io, self.replies)
        self._register(live)
        session, token = await self._new_session(live, this_location)
        log.info("meet created", extra={"meetId": meet_id, "location": this_location, "endpoints": len(endpoints)})
        if self.observer is not None:
            self.observer.meet_created()
        return Admission(live, session, token)

    async def _shared_count(self) -> int:
        try:
            return await self.io.run(self.store.count, Place.CURRENT)
        except StorageError as error:
            raise Rejected(errors.CREATE_STORAGE_FAILED) from error

    def password_policy(self) -> passwords.PasswordPolicy:
        c = self.config  # read at each create: a reloaded config applies at once
        return passwords.PasswordPolicy(
            c.password_min_length, c.password_require_uppercase, c.password_require_lowercase,
            c.password_require_digit, c.password_require_special,
        )

    def _unused_meet_id(self) -> str:
        while True:
            meet_id = new_meet_id()
            if not self.exists(meet_id) and not self.store.is_taken(meet_id):
                return meet_id

    async def join_meet(self, meet_id_text: str, password: str, location: str, address: str) -> Admission:
        meet_id = normalize_meet_id(meet_id_text)
        try:
            return await self._admit(meet_id, password, location, address)
        except Rejected as refused:
            # The trail of password guessing: who, which meet, why; never the password.
            log.warning("join refused", extra={"meetId": meet_id or "(not a meet id)", "address": address, "reason": refused.reason})
            raise

    async def _admit(self, meet_id: str | None, password: str, location: str, address: str) -> Admission:
        attempt = await self._take_attempt(self.failed_joins, "join", address)  # counted now, not when bcrypt is done
        if attempt is None:
            raise Rejected(errors.JOIN_RATE_LIMITED)
        if meet_id is not None and meet_id not in self._meets:
            await self._discover(meet_id)
        password_hash = await self._password_hash(meet_id)
        try:
            ok = await self._bcrypt(passwords.check_password, password, password_hash)
        except Rejected:  # the server was busy: not a failed attempt of this address
            await self._give_back(self.failed_joins, "join", attempt)
            raise
        live = await self.get(meet_id) if ok and meet_id else None  # loaded only for a right password
        if live is None:
            raise Rejected(errors.JOIN_BAD_CREDENTIALS)
        await self._give_back(self.failed_joins, "join", attempt)
        if location not in live.meet.endpoints:
            raise Rejected(errors.JOIN_UNKNOWN_LOCATION)
        if len(live.peers) >= self.config.max_connections_per_meet:
            raise Rejected(errors.JOIN_TOO_MANY_CONNECTIONS)
        await self._unarchive(live)
        session, token = await self._new_session(live, location)
        log.info("meet joined", extra={"meetId": live.meet_id, "location": location, "session": session.session_id})
        if self.observer is not None:
            self.observer.meet_joined()
        return Admission(live, session, token)

    async def _take_attempt(self, limit: AddressLimit, kind: str, address: str) -> Attempt | None:
        """Count an attempt of ``address`` now: in this process's memory, or (a shared
        store) where every process counts, so spreading over processes gains nothing."""
        shared = self.store.attempts
        if shared is None:
            return limit.take(address)
        try:
            attempt = await self.io.run(shared.take, kind, address, limit.per_window, limit.window_seconds)
        except StorageError as error:
            raise Rejected(errors.MEET_STORAGE_BUSY) from error
        return None if attempt is None else Attempt(address, self.clock(), attempt)

    async def _give_back(self, limit: AddressLimit, kind: str, attempt: Attempt) -> None:
        shared = self.store.attempts
        if shared is None:
            limit.give_back(attempt)
            return
        try:
            await self.io.run(shared.give_back, kind, attempt.address, attempt.shared_id)
        except StorageError as error:  # it counts until its window ends
            log.warning("cannot give an attempt back", extra={"error": str(error)})

    async def _bcrypt(self, work: Callable[..., T], *args: Any) -> T:
        """Hash or check a password on the password threads. Refused when
        max_pending_password_checks are already waiting or running: a crowd of joins from
        many addresses is told to come back instead of queueing without end."""
        if self._password_work >= self.config.max_pending_password_checks:
            raise Rejected(errors.PASSWORDS_BUSY)
        self._password_work += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._password_pool, work, *args)
        finally:
            self._password_work -= 1

    async def _password_hash(self, meet_id: str | None) -> str:
        """The hash a join's password is checked against. An unknown id gets a dummy
        hash and an unloaded meet only its auth.json read (not its log), so a wrong
        password costs one bcrypt check either way: the time tells nothing of the id."""
        if meet_id is None or not self.exists(meet_id):
            assert self._dummy_hash is not None, "start() makes it"
            return await asyncio.wrap_future(self._dummy_hash)
        if meet_id in self._out_of_service:
            raise Rejected(self._out_of_service[meet_id])
        live = self._meets.get(meet_id)
        if live is not None:
            return live.auth.password_hash
        return (await self._read_auth(meet_id, self._files(meet_id))).password_hash

    async def _new_session(self, live: LiveMeet, location: str) -> tuple[Session, str]:
        token = new_session_token()
        now = self.clock()
        session = Session(token_hash(token), live.meet_id, location, now, now + self.config.session_ttl_seconds)
        self.sessions.add(session)
        try:
            await self.save_sessions(live)
        except StorageError:
            self.sessions.discard(session)  # not on disk: it would not survive a restart
            raise
        return session, token

    async def save_sessions(self, live: LiveMeet) -> None:
        """Write the meet's sessions.json (serialized per meet, so the newest list wins)."""
        async with self._session_locks[live.meet_id]:
            now = self.clock()
            self.sessions.forget_expired(live.meet_id, now)
            records = [s.to_record() for s in self.sessions.of_meet(live.meet_id, now)]
            await self.io.run(live.files.write_sessions, records)

    async def session_for(self, token: str) -> Session | None:
        """The unexpired session of a token, made by this process or (a shared store) by
        any other: found there by its hash, then its meet's sessions are read here."""
        session = self.find_session(token)
        if session is not None or not self.store.shared:
            return session
        try:
            meet_id = await self.io.run(self.store.meet_of_session, token_hash(token))
        except StorageError as error:
            raise Rejected(errors.MEET_STORAGE_BUSY) from error
        if meet_id is None or meet_id in self._meets:  # a meet served here knows its sessions
            return None
        await self._discover(meet_id, sessions_changed=True)
        return self.find_session(token)

    def find_session(self, token: str) -> Session | None:
        return self.sessions.find(token, self.clock())

    def display_key_matches(self, live: DisplayedMeet, key: str) -> bool:
        return keys_match(key, live.auth.display_key)

    async def rotate_display_key(self, live: LiveMeet) -> str:
        """Give the meet a new display key (a leaked overlay URL stops working). Stored
        before it is handed out; joiners get the new key from then on."""
        async with live.lock:
            rotated = dataclasses.replace(live.auth, display_key=new_display_key())
            await self.io.run(live.files.write_auth, rotated.to_json())
            live.auth = rotated
        log.warning("display key rotated", extra={"meetId": live.meet_id})
        return rotated.display_key

    # ---- publish --------------------------------------------------------------------

    async def publish(self, live: LiveMeet, opl_csv: str, return_email: str) -> None:
        """Store the CSV and e-mail, move the meet to finished-meets, refuse updates after."""
        async with live.lock:
            if live.published:
                raise Rejected(errors.PUBLISH_ALREADY)
            try:
                await self.io.run(live.files.write_publication, opl_csv, return_email)
                live.files.close()
                await self.io.run(self.store.move, live.meet_id, Place.CURRENT, Place.FINISHED)
            except StorageError as error:
                log.error("cannot publish meet", extra={"meetId": live.meet_id, "error": str(error)})
                raise Rejected(errors.PUBLISH_STORAGE_FAILED) from error
            live.files = self.store.records(live.meet_id, Place.FINISHED)
            live.meet.published = True
            self._current_ids.discard(live.meet_id)
            self._finished_ids.add(live.meet_id)
        log.info("meet published", extra={"meetId": live.meet_id})

    # ---- archive and delete ------------------------------------------------------------

    def _in_use(self, live: LiveMeet) -> bool:
        return not live.is_idle() or any(holder(live) for holder in self.in_use)

    async def owner_elsewhere(self, meet_id: str) -> str | None:
        """Where another process that holds the meet's running lease is reached (a
        shared store); None when this process may serve it. Loads nothing: a socket's
        open is not authenticated."""
        if not self.store.shared or meet_id in self._meets:
            return None
        try:
            return await self.io.run(self.store.owner_address, meet_id)
        except StorageError:
            return None  # the protocol answers its frames here, with the reason

    async def finish_interrupted(self) -> list[str]:
        """Finish in the store what a failure left half done (the redis store: finished
        meets not yet written out of Redis, e.g. their folder was unreachable)."""
        try:
            return await self.io.run(self.store.finish_interrupted)
        except StorageError as error:
            log.error("cannot finish the store's interrupted work", extra={"error": str(error)})
            return []

    async def renew_leases(self) -> list[str]:
        """Keep holding every loaded meet; a meet another process took (this one was
        paused or cut off past its lease) stops being served here at once. Returns the
        ids of the meets lost."""
        lost = []
        for live in list(self._meets.values()):
            try:
                held = await self.io.run(self.store.renew, live.meet_id)
            except StorageError as error:  # Redis unreachable: the fence still guards every write
                log.error("cannot renew the lease of a meet", extra={"meetId": live.meet_id, "error": str(error)})
                continue
            if not held and self._meets.get(live.meet_id) is live:
                self.lose(live)
                lost.append(live.meet_id)
        return lost

    def lose(self, live: LiveMeet) -> None:
        """Stop serving a meet another process took: out of memory, its sessions
        forgotten here (they are read again from the store if it comes back)."""
        log.warning("meet taken by another server process; no longer served here", extra={"meetId": live.meet_id})
        self._unload(live)
        self.sessions.forget_meet(live.meet_id)
        for hook in self.on_meet_lost:
            hook(live)

    def _unload(self, live: LiveMeet) -> None:
        live.files.close()
        del self._meets[live.meet_id]
        for hook in self.on_meet_unloaded:
            hook(live)

    async def _moved(self, meet_id: str, change: Callable[[], None]) -> None:
        """Run a blocking folder change in a storage thread; loads of that meet wait for it."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._moving[meet_id] = done
        try:
            await self.io.run(change)
        finally:
            del self._moving[meet_id]
            done.set_result(None)

    def _take_out(self, meet_id: str) -> None:
        """Unload the meet and forget its sessions, or refuse if anyone uses it."""
        live = self._meets.get(meet_id)
        if meet_id in self._moving or meet_id in self._loading or (live is not None and self._in_use(live)):
            raise Rejected(MEET_IN_USE)
        if live is not None:
            self._unload(live)
        self.sessions.forget_meet(meet_id)

    async def archive(self, meet_id: str) -> None:
        """Move an unpublished meet to archived-meets/: it stops counting against
        max_meets, its session tokens stop working, its display key still reads it and its
        password joins it again (which brings it back to current-meets/)."""
        if self.status_of(meet_id) != CURRENT:
            raise Rejected(ARCHIVE_ONLY_CURRENT if self.exists(meet_id) else NO_SUCH_MEET)
        self._take_out(meet_id)

        def move() -> None:
            self.store.records(meet_id, Place.CURRENT).write_sessions([])
            self.store.move(meet_id, Place.CURRENT, Place.ARCHIVED)

        try:
            await self._moved(meet_id, move)
        except OwnedElsewhere as error:  # a shared store: another process serves it
            raise Rejected(MEET_IN_USE) from error
        self._current_ids.discard(meet_id)
        self._archived_ids.add(meet_id)
        log.info("meet archived", extra={"meetId": meet_id})

    async def _unarchive(self, live: LiveMeet) -> None:
        """A successful join brings an archived meet back to current-meets/."""
        async with live.lock:
            if live.meet_id not in self._archived_ids:
                return
            live.files.close()
            await self.io.run(self.store.move, live.meet_id, Place.ARCHIVED, Place.CURRENT)
            live.files = self.store.records(live.meet_id, Place.CURRENT)
            self._archived_ids.discard(live.meet_id)
            self._current_ids.add(live.meet_id)
        log.info("archived meet joined again", extra={"meetId": live.meet_id})

    async def delete(self, meet_id: str) -> None:
        """Remove a meet and its folder for good (current, archived or finished)."""
        if not self.exists(meet_id):
            raise Rejected(NO_SUCH_MEET)
        self._take_out(meet_id)
        place = self.place_of(meet_id)
        await self._moved(meet_id, lambda: self.store.remove(meet_id, place))
        for ids in (self._current_ids, self._finished_ids, self._archived_ids):
            ids.discard(meet_id)
        log.warning("meet deleted", extra={"meetId": meet_id})

    async def summaries(self) -> list[MeetSummary]:
        """Every meet on disk, newest activity first."""
        statuses = {meet_id: self.status_of(meet_id) or CURRENT for meet_id in self._current_ids | self._finished_ids | self._archived_ids}
        places = {meet_id: PLACES[status] for meet_id, status in statuses.items()}

        def activity() -> dict[str, float]:
            times = {}
            for meet_id, place in places.items():
                try:
                    times[meet_id] = self.store.last_change(meet_id, place)
                except StorageError:
                    times[meet_id] = 0.0  # vanished or unreadable: listed, never archived
            return times

        times = await self.io.run(activity)
        summaries = [
            MeetSummary(meet_id, status, times[meet_id], meet_id in self._meets, len(self._meets[meet_id].peers) if meet_id in self._meets else 0)
            for meet_id, status in statuses.items()
        ]
        return sorted(summaries, key=lambda s: (-s.last_activity, s.meet_id))

    async def archive_idle(self, idle_seconds: float) -> list[str]:
        """Archive every unpublished meet whose folder has not changed for ``idle_seconds``
        and that nobody uses now. Returns their ids."""
        cutoff = self.clock() - idle_seconds
        archived = []
        for summary in await self.summaries():
            if summary.status != CURRENT or not 0 < summary.last_activity < cutoff:
                continue
            try:
                await self.archive(summary.meet_id)
            except (Rejected, StorageError) as error:
                log.warning("cannot archive idle meet", extra={"meetId": summary.meet_id, "error": str(error)})
                continue
            archived.append(summary.meet_id)
        return archived

    def unload_idle(self, idle_seconds: float, now: float | None = None) -> list[str]:
        """Drop meets nobody has used for ``idle_seconds`` (no connection, display, write
        or recovery); the next use loads them again from disk. Returns their ids."""
        now = time.monotonic() if now is None else now
        unloaded = []
        for meet_id, live in list(self._meets.items()):
            if meet_id in self._loading or now - live.last_active < idle_seconds or self._in_use(live):
                continue
            self._unload(live)
            unloaded.append(meet_id)
        if unloaded:
            log.info("idle meets unloaded", extra={"count": len(unloaded), "loaded": len(self._meets)})
        return unloaded

    async def close(self) -> None:
        """Wait for each meet's write in progress, then close its files."""
        self._password_pool.shutdown(wait=False, cancel_futures=True)
        for live in self._meets.values():
            async with live.lock:
                live.files.close()
        self.release_data_folder()

    def close_files(self) -> None:
        """Close every open log file at once (tests and last-resort shutdown)."""
        for live in self._meets.values():
            live.files.close()
        self.release_data_folder()

    def release_data_folder(self) -> None:
        self.store.close()
