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
from typing import Callable, TypeVar

from openlifter.auth import passwords
from openlifter.auth.secrets import keys_match, new_display_key, new_meet_id, new_session_token, normalize_meet_id, token_hash
from openlifter.auth.sessions import Session, SessionIndex
from openlifter.config import Config
from openlifter.meet.budget import TimeSlice
from openlifter.meet.errors import Rejected
from openlifter.meet.live import LiveMeet, MeetAuth, MeetObserver
from openlifter.meet.meet import Endpoint, Meet, MeetLimits
from openlifter.meet.ratelimit import AddressLimit
from openlifter.protocol import messages as m
from openlifter.storage.executor import StorageExecutor
from openlifter.storage.files import DamagedFile, DataPaths, StorageError, move_dir, remove_dir
from openlifter.storage.meetfiles import MeetFiles

log = logging.getLogger(__name__)

RATE_WINDOW_SECONDS = 60.0
T = TypeVar("T")

REPLAY_CHUNK = 100  # log entries replayed between looks at the clock


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
        clock: Callable[[], float] = time.time,
        observer: MeetObserver | None = None,
    ) -> None:
        self.config = config
        self.observer = observer
        self.paths = DataPaths(config.data_path)
        self.io = io
        self.clock = clock
        self.sessions = SessionIndex()
        self._meets: dict[str, LiveMeet] = {}
        self._loading: dict[str, asyncio.Future[LiveMeet | None]] = {}
        self._current_ids: set[str] = set()
        self._finished_ids: set[str] = set()
        self._session_locks: dict[str, asyncio.Lock] = collections.defaultdict(asyncio.Lock)
        # Join attempts count from the moment they arrive; a right password gives its back.
        self.failed_joins = AddressLimit(config.join_attempts_per_minute, RATE_WINDOW_SECONDS, clock)
        self._creates = AddressLimit(config.creates_per_minute, RATE_WINDOW_SECONDS, clock)
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
        self.on_meet_loaded: list[Callable[[LiveMeet], None]] = []
        self.on_meet_unloaded: list[Callable[[LiveMeet], None]] = []
        # Other holders of a meet (display feeds) say here whether it is still in use.
        self.in_use: list[Callable[[LiveMeet], bool]] = []
        self._dummy_hash = ""  # a hash of a random password, set in start()
        # bcrypt keeps a core busy per thread: a few threads, so that a crowd of joins
        # waits its turn instead of starving the event loop that relays every meet.
        self._password_pool = concurrent.futures.ThreadPoolExecutor(config.password_threads, thread_name_prefix="bcrypt")
        self.replays = 0  # how many logs were read from disk (a load shared by joins counts once)

    # ---- start-up -------------------------------------------------------------------

    def start(self) -> None:
        """Create the data folders and index every meet's sessions (logs load lazily).
        Runs once before the server listens, so blocking here is fine."""
        self.paths.ensure()
        self._current_ids = set(self._remove_unfinished_creates(self.paths.meet_ids()))
        self._finished_ids = set(self.paths.meet_ids(finished=True))
        now = self.clock()
        for meet_id, finished in [(i, False) for i in self._current_ids] + [(i, True) for i in self._finished_ids]:
            files = MeetFiles(self.paths.meet_dir(meet_id, finished=finished))
            try:
                self.sessions.add_records(meet_id, files.read_sessions(), now)
            except DamagedFile as error:
                self._take_out_of_service(meet_id, error)
            except StorageError as error:  # unreadable: serving it would overwrite its sessions
                self._out_of_service[meet_id] = m.JOIN_MEET_UNREADABLE
                log.error(
                    "meet out of service: cannot read its sessions",
                    extra={"meetId": meet_id, "file": str(files.sessions_path.relative_to(self.paths.root)), "error": str(error)},
                )
        self._dummy_hash = passwords.hash_password(new_session_token(), self.config.bcrypt_rounds)
        log.info("meets indexed", extra={"current": len(self._current_ids), "finished": len(self._finished_ids)})

    def _remove_unfinished_creates(self, meet_ids: list[str]) -> list[str]:
        """A create interrupted before auth.json was written (auth.json comes last)
        leaves a folder nobody was told about and nothing was stored in: remove it, so it
        neither counts toward max_meets nor fails to load. Returns the other ids."""
        kept = []
        for meet_id in meet_ids:
            files = MeetFiles(self.paths.meet_dir(meet_id))
            try:
                if not files.is_unfinished_create():
                    kept.append(meet_id)
                    continue
                remove_dir(files.directory)
                log.warning("removed the folder of an interrupted create", extra={"meetId": meet_id})
            except StorageError as error:
                log.error("cannot remove the folder of an interrupted create", extra={"meetId": meet_id, "error": str(error)})
        return kept

    # ---- loading --------------------------------------------------------------------

    def _take_out_of_service(self, meet_id: str, error: DamagedFile) -> None:
        self._out_of_service[meet_id] = m.JOIN_MEET_DAMAGED
        log.warning(
            "meet out of service: damaged file",
            extra={"meetId": meet_id, "file": str(error.path.relative_to(self.paths.root)), "error": str(error)},
        )

    def out_of_service(self, meet_id: str) -> str | None:
        """Why the meet is refused (a damaged or unreadable file), or None."""
        return self._out_of_service.get(meet_id)

    def loaded(self, meet_id: str) -> LiveMeet | None:
        return self._meets.get(meet_id)

    def loaded_meets(self) -> list[LiveMeet]:
        return list(self._meets.values())

    def exists(self, meet_id: str) -> bool:
        return meet_id in self._current_ids or meet_id in self._finished_ids

    async def get(self, meet_id: str) -> LiveMeet | None:
        """The meet, loading it from disk once even when many ask at the same time."""
        live = self._meets.get(meet_id)
        if live is not None:
            live.touch()  # whoever asked may hold it across an await: not idle now
            return live
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

    def _files(self, meet_id: str) -> MeetFiles:
        return MeetFiles(self.paths.meet_dir(meet_id, finished=meet_id in self._finished_ids))

    async def _read(self, meet_id: str, read: Callable[[], T]) -> T:
        """Read a meet's file on a storage thread. A damaged file takes the meet out of
        service; any other storage error is refused this time only (it may pass)."""
        try:
            return await self.io.run(read)
        except DamagedFile as error:
            self._take_out_of_service(meet_id, error)
            raise Rejected(m.JOIN_MEET_DAMAGED) from error
        except StorageError as error:
            log.error("cannot read meet files", extra={"meetId": meet_id, "error": str(error)})
            raise Rejected(m.MEET_STORAGE_BUSY) from error

    async def _read_auth(self, meet_id: str, files: MeetFiles) -> MeetAuth:
        return await self._read(meet_id, lambda: MeetAuth.from_json(files.read_auth(), files.auth_path))

    async def _load(self, meet_id: str) -> LiveMeet | None:
        finished = meet_id in self._finished_ids
        files = self._files(meet_id)
        auth = await self._read_auth(meet_id, files)
        self.replays += 1
        replay = await self._read(meet_id, files.replay)
        meet = Meet(meet_id, [Endpoint(n, p) for n, p in auth.endpoints], published=finished, limits=self.meet_limits)
        # Rebuilding a long log takes seconds of Python: in time slices, so other meets'
        # relays go on meanwhile (nothing else sees this Meet yet).
        left_out = 0
        time_slice = TimeSlice(self.config.meet_time_slice_seconds)
        for start in range(0, len(replay.entries), REPLAY_CHUNK):
            left_out += meet.replay(replay.entries[start : start + REPLAY_CHUNK])
            await time_slice.tick()
        if left_out:
            log.warning("updates.log holds updates past max_padding_per_update; kept in the log, left out of the state", extra={"meetId": meet_id, "leftOut": left_out})
        log.info("meet loaded", extra={"meetId": meet_id, "updates": meet.head, "cutBytes": replay.cut_bytes})
        live = LiveMeet(meet, auth, files, self.io)
        self._register(live)
        return live

    def _register(self, live: LiveMeet) -> None:
        live.recovery_wait_seconds = self.config.recovery_wait_seconds
        live.recovery_retry_seconds = self.config.recovery_retry_seconds
        live.pull_page_size = self.config.pull_page_size
        live.pull_page_bytes = self.config.pull_page_bytes
        live.max_connections = self.config.max_connections_per_meet
        live.time_slice_seconds = self.config.meet_time_slice_seconds
        live.observer = self.observer
        self._meets[live.meet_id] = live
        for hook in self.on_meet_loaded:
            hook(live)

    # ---- create and join ------------------------------------------------------------

    async def create_meet(self, this_location: str, password: str, endpoints: list[tuple[str, int]], address: str) -> Admission:
        problem = passwords.password_problem(password, self.config.password_min_length)
        if problem:
            raise Rejected(problem)
        names = [name for name, _ in endpoints]
        if len(set(names)) != len(names):
            raise Rejected("location names in endpoints must be unique")
        if this_location not in names:
            raise Rejected("thisLocationName must be one of the endpoints")
        if len(self._current_ids) >= self.config.max_meets:
            raise Rejected(m.CREATE_SERVER_FULL)
        if self._creates.take(address) is None:  # counted now, before any await: a burst cannot slip by
            raise Rejected(m.CREATE_RATE_LIMITED)
        meet_id = self._unused_meet_id()
        self._current_ids.add(meet_id)  # reserve before any await
        try:
            password_hash = await asyncio.get_running_loop().run_in_executor(
                self._password_pool, passwords.hash_password, password, self.config.bcrypt_rounds
            )
            auth = MeetAuth(meet_id, password_hash, tuple(endpoints), new_display_key(), self.clock())
            files = MeetFiles(self.paths.meet_dir(meet_id))
            await self.io.run(files.create, auth.to_json())
        except StorageError as error:
            self._current_ids.discard(meet_id)
            log.error("cannot create meet", extra={"meetId": meet_id, "error": str(error)})
            await self.io.run(self._remove_unfinished_creates, [meet_id])
            raise Rejected(m.CREATE_STORAGE_FAILED) from error
        except BaseException:
            self._current_ids.discard(meet_id)
            raise
        live = LiveMeet(Meet(meet_id, [Endpoint(n, p) for n, p in endpoints], limits=self.meet_limits), auth, files, self.io)
        self._register(live)
        session, token = await self._new_session(live, this_location)
        log.info("meet created", extra={"meetId": meet_id, "location": this_location, "endpoints": len(endpoints)})
        return Admission(live, session, token)

    def _unused_meet_id(self) -> str:
        while True:
            meet_id = new_meet_id()
            if not self.exists(meet_id) and not any(self.paths.meet_dir(meet_id, finished=f).exists() for f in (False, True)):
                return meet_id

    async def join_meet(self, meet_id_text: str, password: str, location: str, address: str) -> Admission:
        attempt = self.failed_joins.take(address)  # counted now, not when bcrypt is done
        if attempt is None:
            raise Rejected(m.JOIN_RATE_LIMITED)
        meet_id = normalize_meet_id(meet_id_text)
        password_hash = await self._password_hash(meet_id)
        ok = await asyncio.get_running_loop().run_in_executor(self._password_pool, passwords.check_password, password, password_hash)
        live = await self.get(meet_id) if ok and meet_id else None  # loaded only for a right password
        if live is None:
            raise Rejected(m.JOIN_BAD_CREDENTIALS)
        self.failed_joins.give_back(attempt)
        if location not in live.meet.endpoints:
            raise Rejected(m.JOIN_UNKNOWN_LOCATION)
        if len(live.peers) >= self.config.max_connections_per_meet:
            raise Rejected(m.JOIN_TOO_MANY_CONNECTIONS)
        session, token = await self._new_session(live, location)
        log.info("meet joined", extra={"meetId": live.meet_id, "location": location, "session": session.session_id})
        return Admission(live, session, token)

    async def _password_hash(self, meet_id: str | None) -> str:
        """The hash a join's password is checked against. An unknown id gets a dummy
        hash and an unloaded meet only its auth.json read (not its log), so a wrong
        password costs one bcrypt check either way: the time tells nothing of the id."""
        if meet_id is None or not self.exists(meet_id):
            return self._dummy_hash
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

    def find_session(self, token: str) -> Session | None:
        return self.sessions.find(token, self.clock())

    def display_key_matches(self, live: LiveMeet, key: str) -> bool:
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
                raise Rejected(m.PUBLISH_ALREADY)
            target = self.paths.meet_dir(live.meet_id, finished=True)
            try:
                await self.io.run(live.files.write_publication, opl_csv, return_email)
                live.files.close()
                await self.io.run(move_dir, live.files.directory, target)
            except StorageError as error:
                log.error("cannot publish meet", extra={"meetId": live.meet_id, "error": str(error)})
                raise Rejected(m.PUBLISH_STORAGE_FAILED) from error
            live.files = MeetFiles(target)
            live.meet.published = True
            self._current_ids.discard(live.meet_id)
            self._finished_ids.add(live.meet_id)
        log.info("meet published", extra={"meetId": live.meet_id})

    def unload_idle(self, idle_seconds: float, now: float | None = None) -> list[str]:
        """Drop meets nobody has used for ``idle_seconds`` (no connection, display, write
        or recovery); the next use loads them again from disk. Returns their ids."""
        now = time.monotonic() if now is None else now
        unloaded = []
        for meet_id, live in list(self._meets.items()):
            if meet_id in self._loading or not live.is_idle() or now - live.last_active < idle_seconds:
                continue
            if any(holder(live) for holder in self.in_use):
                continue
            live.files.close()
            del self._meets[meet_id]
            for hook in self.on_meet_unloaded:
                hook(live)
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

    def close_files(self) -> None:
        """Close every open log file at once (tests and last-resort shutdown)."""
        for live in self._meets.values():
            live.files.close()
