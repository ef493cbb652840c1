"""A client of the live protocol in Python: what an updating OpenLifter browser does.

``ClientSession`` is the pure state machine: a canonical log (what the server accepted,
in seq order), a pending log (local edits not yet answered), the canonical state, and the
frames to send for each event. A pending edit under ``registration.entries[i]`` follows its
lifter's id when entries move (SPEC section 6), as the JavaScript client
(``static/js/live/``) does. ``LiveClient`` runs a session over a real WebSocket,
buffering while offline and resyncing on reconnect. Tests drive the server with it, and
``openlifter-live-upload`` uses it to make a saved ``.openlifter`` file live.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from typing import Any, Callable, Iterable

import tornado.websocket

from openlifter.auth.secrets import normalize_meet_id
from openlifter.meet.jsonvalue import MISSING, copy_json, get_in, json_equal, set_in
from openlifter.meet.keys import Path, format_key, parse_accepted_key
from openlifter.protocol import messages as m

log = logging.getLogger(__name__)

ENTRY_GONE = "the lifter this edit was for has been deleted"


@dataclasses.dataclass
class CanonicalEntry:
    seq: int
    key: str
    value: Any
    location: str


@dataclasses.dataclass
class PendingEdit:
    local_seq: int
    key: str
    value: Any
    after_seq: int
    sent: bool = False  # on this connection
    known: bool = False  # the server may have it: sent at least once
    entry_id: Any = None  # the id of the entry an edit under registration.entries[i] was made for
    base: Any = MISSING  # the canonical value it replaced there

    @property
    def moves(self) -> bool:
        """Does it add, remove, reorder or re-identify entries?"""
        return moves_entries(parse_accepted_key(self.key))


@dataclasses.dataclass
class Answer:
    """How the server answered one local edit."""

    local_seq: int
    key: str
    value: Any
    after_seq: int
    accepted: bool
    server_seq: int | None = None
    conflict: bool = False
    reason: str = ""
    server_value: Any = None


class ProtocolError(Exception):
    """The server refused a create or join, or answered something unexpected."""


class ClientSession:
    """Canonical and pending logs of one updating client (no I/O)."""

    def __init__(self, location: str) -> None:
        self.location = location
        self.meet_id: str | None = None
        self.token: str | None = None
        self.display_key: str | None = None
        self.canonical: list[CanonicalEntry] = []
        self.state: dict[str, Any] = {}
        self.pending: dict[int, PendingEdit] = {}
        self.answers: dict[int, list[Answer]] = {}
        self._early: dict[int, CanonicalEntry] = {}  # entries beyond a gap, until a pull fills it
        self._next_local = 1
        self.pull_complete: asyncio.Event | None = None  # set when a pull reaches the head
        self.rebases = 0
        self._layout_seq = 0  # the last canonical seq that moved entries
        self._retarget_needed = False
        self._moving: set[int] = set()  # pending local seqs that move entries (a superset)
        # The last replay of _view_entries: (head, (local seq, key) of the moving edits in
        # it, the scratch state), reused while the head is the same and edits only came.
        self._view_cache: tuple[int, tuple[tuple[int, str], ...], dict[str, Any]] | None = None
        # Edits the server could not store (a rejection with retry: true) stay pending and
        # go out again after a wait that doubles with each such answer in a row.
        self.resend_due = False
        self.retries = 0

    @property
    def head(self) -> int:
        return len(self.canonical)

    # ---- local edits ----------------------------------------------------------------

    def edit(self, key: str, value: Any) -> PendingEdit:
        path = parse_accepted_key(key)  # refuse bad keys locally
        value = copy_json(value)
        entry_id, base = (None, MISSING)
        if entry_index(path) is not None:
            entry_id, base = entry_target(path, value, self._view_entries(), self.state)
        edit = PendingEdit(self._next_local, key, value, self.head, entry_id=entry_id, base=base)
        self._next_local += 1
        self._add_pending(edit)
        return edit

    def _add_pending(self, edit: PendingEdit) -> None:
        self.pending[edit.local_seq] = edit
        if edit.moves:
            self._moving.add(edit.local_seq)

    def _view_entries(self) -> list[Any]:
        """registration.entries as the user sees it (pending edits that move entries on top).
        Only pending edits that move entries are replayed, so an edit costs O(1) in the
        usual case of none; and the replay is kept while only new ones come (an upload of a
        whole meet adds thousands, one lifter each), so each costs only its own."""
        self._moving &= self.pending.keys()
        moving = sorted(self._moving)
        if not moving:
            self._view_cache = None
            return _entries_of(self.state)
        cache = self._view_cache
        keys = tuple((seq, self.pending[seq].key) for seq in moving)
        if cache is None or cache[0] != self.head or keys[: len(cache[1])] != cache[1]:
            cache = (self.head, (), {"registration": {"entries": list(_entries_of(self.state))}})
        scratch = cache[2]
        for seq, key in keys[len(cache[1]) :]:
            _set_entries_scratch(scratch, parse_accepted_key(key), self.pending[seq].value)
        self._view_cache = (self.head, keys, scratch)
        return _entries_of(scratch)

    def view_state(self) -> dict[str, Any]:
        """What the user sees: the canonical state with pending edits on top."""
        view = copy_json(self.state)
        for edit in self.pending.values():
            set_in(view, parse_accepted_key(edit.key), edit.value)
        return view

    def frames_for_unsent(self, max_batch: int = 5000) -> list[dict[str, Any]]:
        """UPDATE_INIT frames for every pending edit not yet sent on this connection."""
        if self._retarget_needed:
            self._retarget()
        unsent = [e for e in self.pending.values() if not e.sent]
        frames = []
        for start in range(0, len(unsent), max_batch):
            chunk = unsent[start : start + max_batch]
            for edit in chunk:
                edit.sent = edit.known = True
            frames.append(
                {
                    "msgType": m.UPDATE_INIT,
                    "sessionToken": self.token,
                    "updates": [
                        {"updateKey": e.key, "updateValue": e.value, "localSeqNum": e.local_seq, "afterServerSeqNum": e.after_seq}
                        for e in chunk
                    ],
                }
            )
        return frames

    def connection_lost(self) -> None:
        """Unanswered edits are sent again on the next connection."""
        for edit in self.pending.values():
            edit.sent = False

    def pull_frame(self) -> dict[str, Any]:
        return {"msgType": m.CLIENT_PULL, "sessionToken": self.token, "lastServerSeq": self.head}

    # ---- server messages ------------------------------------------------------------

    def handle(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        """Apply one server message; return the frames to send in reply."""
        kind = message.get("msgType")
        if kind in _REFUSALS:
            raise ProtocolError(json.dumps(message))
        handler = _HANDLERS.get(kind)  # type: ignore[arg-type]
        replies = handler(self, message) if handler else []
        if self._retarget_needed:
            self._retarget()
        return replies

    def _admitted(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        self.meet_id = message["meetId"]
        self.token = message["sessionToken"]
        self.display_key = message["displayKey"]
        return []

    def _acked(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        unknown = False
        self.retries = 0
        for ack in message["updateAcks"]:
            edit = self.pending.pop(ack["localSeqNum"], None)
            if edit is None:
                # E.g. an edit re-targeted while in flight: the pull brings what was stored.
                unknown = unknown or ack["serverSeqNum"] > self.head
                continue
            self._answer(Answer(edit.local_seq, edit.key, edit.value, edit.after_seq, True, ack["serverSeqNum"]))
            self._receive(CanonicalEntry(ack["serverSeqNum"], edit.key, copy_json(edit.value), self.location))
        return [self.pull_frame()] if unknown or self._early else []

    def _rejected(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        pull = retry = False
        for rejection in message["updatesRejected"]:
            edit = self.pending.get(rejection["localSeqNum"])
            if edit is None:
                continue
            if rejection.get("retry") is True:  # nothing was decided: keep it, send it again later
                edit.sent = False
                retry = True
                continue
            del self.pending[edit.local_seq]
            omitted = rejection.get("serverValueOmitted") is True or "serverValue" not in rejection
            pull = pull or omitted or (rejection.get("serverSeqNum") or 0) > self.head
            self._answer(
                Answer(
                    edit.local_seq, edit.key, edit.value, edit.after_seq, False, None,
                    rejection["conflict"], rejection["reason"], rejection.get("serverValue"),
                )
            )
        if retry:
            self.resend_due = True
            self.retries += 1
        return [self.pull_frame()] if pull else []

    def resend_delay(self) -> float:
        """How long to wait before sending again what the server could not store."""
        return min(RESEND_LAST_SECONDS, RESEND_FIRST_SECONDS * 2 ** max(0, self.retries - 1))

    def _relayed(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        for item in message["updatesRelayed"]:
            self._receive(_entry(item))
        return [self.pull_frame()] if self._early else []

    def _recovery_asked(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        after = message["fromServerSeq"]
        return [
            {
                "msgType": m.RECOVERY_UPDATES,
                "sessionToken": self.token,
                "updates": [
                    {"serverSeqNum": e.seq, "updateKey": e.key, "updateValue": e.value, "locationName": e.location}
                    for e in self.canonical[after:]
                ],
            }
        ]

    def _pulled(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        """The server's log wins: where it is shorter than ours or differs from ours,
        rebase on it."""
        incoming = [_entry(item) for item in message["updates"]]
        cut = min(message["lastServerSeq"], self.head)
        for entry in incoming:
            if entry.seq <= self.head and not _same(self.canonical[entry.seq - 1], entry):
                cut = min(cut, entry.seq - 1)
                break
        if cut < self.head:
            self._rebase(cut, incoming)
        for entry in incoming:
            self._receive(entry)
        if message["more"]:
            return [self.pull_frame()]
        if self.pull_complete is not None:
            self.pull_complete.set()
        # Caught up: now send what was buffered offline (or made pending by a rebase).
        return self.frames_for_unsent()

    def _receive(self, entry: CanonicalEntry) -> None:
        if entry.seq <= self.head:
            return
        self._early[entry.seq] = entry
        while self.head + 1 in self._early:
            self._apply(self._early.pop(self.head + 1))

    def _apply(self, entry: CanonicalEntry) -> None:
        path = parse_accepted_key(entry.key)
        self.canonical.append(entry)
        set_in(self.state, path, entry.value)
        if moves_entries(path):
            self._layout_seq = entry.seq
            self._retarget_needed = True

    def _rebase(self, server_head: int, incoming: list[CanonicalEntry]) -> None:
        """The server lost entries we hold: keep its log, and make our own edits that it
        does not have pending again, so they are sent as new updates."""
        lost = self.canonical[server_head:]
        kept_by_server = [e for e in incoming if e.seq > server_head]
        self.rebases += 1
        log.warning("server is behind this client; rebasing", extra={"clientHead": self.head, "serverHead": server_head})
        self.canonical = self.canonical[:server_head]
        self._early.clear()
        self.state = {}
        self._view_cache = None  # made from the state just dropped
        self._layout_seq = 0
        for entry in self.canonical:
            path = parse_accepted_key(entry.key)
            set_in(self.state, path, entry.value)
            if moves_entries(path):
                self._layout_seq = entry.seq
        for entry in lost:
            if entry.location == self.location and not any(_same(entry, other, seq=False) for other in kept_by_server):
                path = parse_accepted_key(entry.key)
                entry_id, base = entry_target(path, entry.value, _entries_of(self.state), self.state)
                edit = PendingEdit(self._next_local, entry.key, entry.value, server_head, entry_id=entry_id, base=base)
                self._next_local += 1
                self._add_pending(edit)
        self._retarget_needed = True

    def _answer(self, answer: Answer) -> None:
        self.answers.setdefault(answer.local_seq, []).append(answer)

    def _retarget(self) -> None:
        """SPEC section 6: pending edits under registration.entries[i] follow their entry
        (the same rule as static/js/live/retarget.js)."""
        self._retarget_needed = False
        edits = list(self.pending.values())
        if not any(edit.entry_id is not None for edit in edits):
            return
        for step in plan_retarget(self.state, edits):
            edit = step.edit
            if edit.entry_id is None:
                continue
            if step.drop:
                del self.pending[edit.local_seq]
                self._answer(Answer(edit.local_seq, edit.key, edit.value, edit.after_seq, False, None, True, ENTRY_GONE, None))
                continue
            moved = step.path != parse_accepted_key(edit.key)
            # Made before entries moved, and nobody else changed what it changes: as made now.
            rebased = step.rebase and self._layout_seq > edit.after_seq and (not edit.sent or moved)
            if not moved and not rebased:
                continue
            if moved and edit.known:
                # The server refuses a reused localSeqNum with another key: a new update.
                del self.pending[edit.local_seq]
                edit = dataclasses.replace(edit, local_seq=self._next_local, sent=False, known=False)
                self._next_local += 1
            edit.key = format_key(step.path)
            if rebased:
                edit.after_seq, edit.base = self.head, step.now
            self._add_pending(edit)


# ---- entry re-targeting (pure) ---------------------------------------------------------


def entry_index(path: Path) -> int | None:
    """The index i of a key under registration.entries[i], else None."""
    if len(path) >= 3 and path[0] == "registration" and path[1] == "entries" and isinstance(path[2], int):
        return path[2]
    return None


def entry_id_of(entry: Any) -> Any:
    if isinstance(entry, dict) and isinstance(entry.get("id"), (int, str)) and not isinstance(entry.get("id"), bool):
        return entry["id"]
    return None


def moves_entries(path: Path) -> bool:
    """Does a write at this path move, add, remove or re-identify entries?"""
    if len(path) < 3:
        return path == ("registration",) or path == ("registration", "entries")
    return entry_index(path) is not None and (len(path) == 3 or (len(path) == 4 and path[3] == "id"))


def _entries_of(state: Any) -> list[Any]:
    entries = get_in(state, ("registration", "entries"))
    return entries if isinstance(entries, list) else []


def _index_by_id(entries: list[Any]) -> dict[Any, int]:
    index: dict[Any, int] = {}
    for i, entry in enumerate(entries):
        entry_id = entry_id_of(entry)
        if entry_id is not None and entry_id not in index:
            index[entry_id] = i
    return index


def _canonical_field(canonical: Any, entry_id: Any, path: Path, index: dict[Any, int] | None = None) -> Any:
    index = _index_by_id(_entries_of(canonical)) if index is None else index
    if entry_id not in index:
        return MISSING
    return get_in(_entries_of(canonical)[index[entry_id]], path[3:])


def entry_target(path: Path, value: Any, view_entries: list[Any], canonical: Any) -> tuple[Any, Any]:
    """What a new edit at path remembers: the id of the entry the user edited, and the
    canonical value it replaced at that entry."""
    i = entry_index(path)
    if i is None:
        return None, MISSING
    entry_id = entry_id_of(view_entries[i]) if i < len(view_entries) else None
    if entry_id is None and len(path) == 3:
        entry_id = entry_id_of(value)
    if entry_id is None:
        return None, MISSING
    return entry_id, _canonical_field(canonical, entry_id, path)


@dataclasses.dataclass
class RetargetStep:
    edit: PendingEdit
    path: Path
    drop: bool
    rebase: bool
    now: Any


def _set_entries_scratch(scratch: dict[str, Any], path: Path, value: Any) -> None:
    entries = _entries_of(scratch)  # [] after a write of the whole registration without them
    index = path[2] if len(path) == 4 else None  # a field of one entry: copy that entry first
    if isinstance(index, int) and index < len(entries) and isinstance(entries[index], dict):
        entries[index] = dict(entries[index])  # never write into the canonical state
    set_in(scratch, path, value)


def plan_retarget(canonical: Any, edits: list[PendingEdit]) -> list[RetargetStep]:
    """Where each pending edit (in local order) must go now: its key re-targeted to its
    entry's index, dropped if the entry is gone; rebase when nobody else changed the value
    it changes since it was made. Earlier pending edits that move entries count for later ones."""
    canonical_index = _index_by_id(_entries_of(canonical))
    scratch = {"registration": {"entries": list(_entries_of(canonical))}}
    view_index = canonical_index
    plan = []
    for edit in edits:
        path = parse_accepted_key(edit.key)
        if edit.entry_id is not None:
            creates = len(path) == 3 and entry_id_of(edit.value) == edit.entry_id
            at = view_index.get(edit.entry_id, path[2] if creates else None)
            if at is None:
                plan.append(RetargetStep(edit, path, True, False, MISSING))
                continue
            if at != path[2]:
                path = ("registration", "entries", at, *path[3:])
            now = _canonical_field(canonical, edit.entry_id, path, canonical_index)
            rebase = edit.base is not MISSING and now is not MISSING and json_equal(now, edit.base)
            plan.append(RetargetStep(edit, path, False, rebase, now))
        else:
            plan.append(RetargetStep(edit, path, False, False, MISSING))
        if moves_entries(path):
            scratch = {"registration": {"entries": list(_entries_of(scratch))}}
            _set_entries_scratch(scratch, path, edit.value)
            view_index = _index_by_id(_entries_of(scratch))
    return plan


# Server messages the session reacts to, one method each.
_HANDLERS: dict[str, Callable[[ClientSession, dict[str, Any]], list[dict[str, Any]]]] = {
    m.MEET_CREATED: ClientSession._admitted,
    m.MEET_JOINED: ClientSession._admitted,
    m.UPDATE_ACK: ClientSession._acked,
    m.UPDATE_REJECTED: ClientSession._rejected,
    m.UPDATE_RELAY: ClientSession._relayed,
    m.SERVER_PULL: ClientSession._pulled,
    m.RECOVERY_REQUEST: ClientSession._recovery_asked,
}
RESEND_FIRST_SECONDS = 0.5  # then doubling, to RESEND_LAST_SECONDS: as the JavaScript client
RESEND_LAST_SECONDS = 15.0
_REFUSALS = frozenset({m.CREATE_REJECTED, m.JOIN_REJECTED, m.INVALID_SESSION, m.MALFORMED_MESSAGE, m.UNKNOWN_MESSAGE_TYPE})


def _same(a: CanonicalEntry, b: CanonicalEntry, *, seq: bool = True) -> bool:
    return (not seq or a.seq == b.seq) and a.key == b.key and a.location == b.location and json_equal(a.value, b.value)


def _entry(item: dict[str, Any]) -> CanonicalEntry:
    return CanonicalEntry(item["serverSeqNum"], item["updateKey"], item["updateValue"], item["locationName"])


def meet_socket_url(url: str, meet_id: str) -> str:
    """The meet's own socket address (``.../meets/<meetId>/ws``) beside a ``.../ws`` one:
    a proxy routes it to the process that serves the meet (SPEC section 8)."""
    base = url.split("?", 1)[0]
    if base.endswith(f"/meets/{meet_id}/ws") or not base.endswith("/ws"):
        return url
    return base[: -len("ws")] + f"meets/{meet_id}/ws"


class LiveClient:
    """A ClientSession over a real WebSocket, with offline buffering and resync. Once it
    knows its meet it reconnects to the meet's own address."""

    def __init__(self, url: str, location: str) -> None:
        self.url = url
        self.session = ClientSession(location)
        self._conn: tornado.websocket.WebSocketClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._waiters: list[tuple[set[str], asyncio.Future[dict[str, Any]]]] = []
        self._changed = asyncio.Event()
        self._session_invalid = asyncio.Event()
        self.errors: list[dict[str, Any]] = []
        self._password: str | None = None  # kept to re-join if the server lost our session
        self._resend: asyncio.TimerHandle | None = None

    @property
    def online(self) -> bool:
        return self._conn is not None

    @classmethod
    async def create(cls, url: str, location: str, password: str, endpoints: Iterable[tuple[str, int]]) -> "LiveClient":
        client = cls(url, location)
        await client._open()
        reply = await client._request(
            {
                "msgType": m.CREATE_MEET,
                "thisLocationName": location,
                "password": password,
                "endpoints": [{"locationName": n, "priority": p} for n, p in endpoints],
            },
            {m.MEET_CREATED, m.CREATE_REJECTED},
        )
        if reply["msgType"] != m.MEET_CREATED:
            await client.close()
            raise ProtocolError(reply.get("reason", "create refused"))
        client._password = password
        client.url = meet_socket_url(url, reply["meetId"])
        return client

    @classmethod
    async def join(cls, url: str, meet_id: str, password: str, location: str) -> "LiveClient":
        # At the meet's own address: with several server processes, a proxy sends it to the
        # one that holds the meet (a join on /ws of another process is refused).
        known = normalize_meet_id(meet_id)
        client = cls(meet_socket_url(url, known) if known else url, location)
        await client._open()
        reply = await client._request(
            {"msgType": m.JOIN_MEET, "meetId": meet_id, "password": password, "locationName": location},
            {m.MEET_JOINED, m.JOIN_REJECTED},
        )
        if reply["msgType"] != m.MEET_JOINED:
            await client.close()
            raise ProtocolError(reply.get("reason", "join refused"))
        client._password = password
        client.url = meet_socket_url(url, meet_id)
        await client.sync()
        return client

    async def _open(self) -> None:
        self._conn = await tornado.websocket.websocket_connect(self.url, max_message_size=64 * 1024 * 1024)
        self._reader = asyncio.ensure_future(self._read(self._conn))

    async def _read(self, conn: tornado.websocket.WebSocketClientConnection) -> None:
        while True:
            frame = await conn.read_message()
            if frame is None:
                break
            message = json.loads(frame)
            for waiter in [w for w in self._waiters if message.get("msgType") in w[0]]:
                self._waiters.remove(waiter)
                if not waiter[1].done():
                    waiter[1].set_result(message)
            try:
                replies = self.session.handle(message)
            except ProtocolError:
                self.errors.append(message)
                if message.get("msgType") == m.INVALID_SESSION:
                    self._session_invalid.set()
                replies = []
            for reply in replies:
                await self._send(reply)
            if self.session.resend_due:
                self._resend_later()
            self._changed.set()
        conn.close()  # the peer closed; release our side too
        if self._conn is conn:
            self._conn = None
            self.session.connection_lost()
            self._changed.set()

    def _resend_later(self) -> None:
        self.session.resend_due = False
        if self._resend is not None:
            self._resend.cancel()
        self._resend = asyncio.get_running_loop().call_later(self.session.resend_delay(), lambda: asyncio.ensure_future(self.send_pending()))

    async def _send(self, message: dict[str, Any]) -> None:
        if self._conn is None:
            return
        try:
            await self._conn.write_message(json.dumps(message))
        except tornado.websocket.WebSocketClosedError:
            pass

    async def _request(self, message: dict[str, Any], reply_types: set[str], timeout: float = 10.0) -> dict[str, Any]:
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiters.append((reply_types, future))
        await self._send(message)
        return await asyncio.wait_for(future, timeout)

    # ---- what a user of the client does -----------------------------------------------

    async def edit(self, key: str, value: Any) -> None:
        """Make a local edit; it is sent now if online, else on reconnect."""
        self.session.edit(key, value)
        await self.send_pending()

    async def edit_many(self, edits: Iterable[tuple[str, Any]]) -> None:
        for key, value in edits:
            self.session.edit(key, value)
        await self.send_pending()

    async def send_pending(self) -> None:
        if self._conn is not None:
            for frame in self.session.frames_for_unsent():
                await self._send(frame)

    async def sync(self, timeout: float = 15.0) -> None:
        """Pull until caught up with the server (through a recovery if the server lost
        state). If the server no longer knows our session (its sessions were lost),
        join again with the password and pull on the new session."""
        for _ in range(2):
            self.session.pull_complete = done = asyncio.Event()
            self._session_invalid.clear()
            await self._send(self.session.pull_frame())
            waits = [asyncio.ensure_future(done.wait()), asyncio.ensure_future(self._session_invalid.wait())]
            finished, unfinished = await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            for waiter in unfinished:
                waiter.cancel()
            if done.is_set():
                return
            if not self._session_invalid.is_set() or self._password is None or self.session.meet_id is None:
                raise ProtocolError("no answer to CLIENT_PULL" if not finished else "session refused")
            await self._rejoin()
        raise ProtocolError("session refused after re-joining")

    async def _rejoin(self) -> None:
        for edit in self.session.pending.values():
            edit.sent = False
        reply = await self._request(
            {"msgType": m.JOIN_MEET, "meetId": self.session.meet_id, "password": self._password, "locationName": self.session.location},
            {m.MEET_JOINED, m.JOIN_REJECTED},
        )
        if reply["msgType"] != m.MEET_JOINED:
            raise ProtocolError(reply.get("reason", "join refused"))

    async def settle(self, timeout: float = 10.0) -> None:
        """Wait until every pending edit has been answered."""
        async def answered() -> None:
            while self.session.pending and self.online:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(answered(), timeout)

    async def disconnect(self) -> None:
        """Go offline (as a browser losing Wi-Fi): edits buffer until reconnect."""
        if self._resend is not None:
            self._resend.cancel()
            self._resend = None
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
        self.session.connection_lost()

    async def reconnect(self, url: str | None = None) -> None:
        """Come back: pull what was missed, then send what was buffered."""
        self.url = url or self.url
        await self._open()
        await self.sync()
        await self.send_pending()

    async def close(self) -> None:
        await self.disconnect()

    async def publish(self, return_email: str, opl_csv: str) -> dict[str, Any]:
        return await self._request(
            {"msgType": m.PUBLISH_MEET, "sessionToken": self.session.token, "returnEmail": return_email, "oplCsv": opl_csv},
            {m.PUBLISH_ACK, m.PUBLISH_REJECTED},
        )
