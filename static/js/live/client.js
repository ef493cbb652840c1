// The updating side of the live protocol in the browser (SPEC sections 2 and 6).
//
// A LiveClient holds the canonical log (what the server accepted, in seq order), the
// pending edits (made here, not yet answered) and the state built from them. Every change
// is saved (IndexedDB by default) before an edit goes out, so a reload, offline included,
// continues where the page stopped. The rules are those of openlifter/client.py.

import { DEFAULT_LIMITS, InvalidEdit, encodeValue, formatKey, overlaps as overlapping, parseAcceptedKey, parseKey } from "./keys.js";
import { MISSING, copyJson, jsonEqual, ownSet, setIn } from "./state.js";
import { emptyChanges, hasChanges, openStore } from "./store.js";
import { entryIndex, entryTarget, movesEntries, planRetarget } from "./retarget.js";

export { InvalidEdit };

export const STATUS = Object.freeze({ ONLINE: "online", OFFLINE: "offline", SYNCING: "syncing", RECOVERING: "recovering" });
export const ENTRY_GONE = "the lifter this edit was for has been deleted";
const NO_TARGET = Object.freeze({ entryId: null, base: MISSING });
const FEW_PENDING = 32;
const FIRST_RETRY_MS = 500;
const LAST_RETRY_MS = 15000;

/** The page's own /ws: the client module is served under <base>/static/js/live/. */
function defaultUrl() {
  const here = new URL("../../../ws", import.meta.url);
  here.protocol = here.protocol === "https:" ? "wss:" : "ws:";
  return here.href;
}

/** The meet's own socket address beside a ".../ws" one (SPEC section 8): a proxy routes it
 * to the server process that serves the meet. Other addresses are kept as they are. */
export function meetSocketUrl(url, meetId) {
  const address = new URL(url);
  if (!address.pathname.endsWith("/ws") || address.pathname.endsWith(`/meets/${meetId}/ws`)) return url;
  address.pathname = address.pathname.slice(0, -"ws".length) + `meets/${encodeURIComponent(meetId)}/ws`;
  return address.href;
}

export class LiveClient {
  /** @param {{url?: string, location: string, storage?: "indexeddb"|"memory", limits?: object}} options */
  static async open({ url, location, storage = "indexeddb", limits = {} } = {}) {
    if (typeof location !== "string" || !location) throw new TypeError("LiveClient.open needs the location name of this browser");
    const client = new LiveClient(url ?? defaultUrl(), location, storage, { ...DEFAULT_LIMITS, ...limits });
    client._connect();
    return client;
  }

  constructor(url, location, storageKind, limits) {
    this.url = url;
    this.location = location;
    this.limits = limits;
    this._storageKind = storageKind;
    this._store = null;
    this._session = null; // { meetId, token, location, displayKey }
    this._password = null; // in memory only: to join again if the server lost our session
    this._canonical = []; // [{seq, key, value, location}], entry n at index n - 1
    this._canonicalState = {};
    this._early = new Map(); // entries past a gap, until a pull fills it
    // localSeq -> {localSeq, key, path, value, afterSeq, entryId, base, sent, known, saved}: sent
    // on this connection; known: the server may have it (sent once, or restored after a reload).
    this._pending = new Map();
    this._nextLocal = 1;
    this._view = {}; // canonical state with the pending edits on top; replaced, never mutated
    this._viewStale = false;
    this._layoutSeq = 0; // the last canonical seq that moved entries
    this._retargetNeeded = false;
    this._status = STATUS.OFFLINE;
    this._socket = null;
    this._socketUrl = null; // where this._socket connects
    this._address = null; // before a meet is joined: where to connect (null: this.url)
    this._closed = false;
    this._retries = 0;
    this._retryTimer = null;
    this._retryAt = null;
    // Edits the server could not store (a rejection with retry: true) stay pending and
    // go out again after a wait that doubles with each such answer in a row.
    this._resends = 0;
    this._resendTimer = null;
    this._pulling = false;
    this._admission = null; // {message, okType, refusedType, resolve, reject}: a create or join in flight
    this._publishing = null;
    this._listeners = new Map();
    this._changes = emptyChanges();
    this._saving = null;
    this._storageFailing = false;
    this._flushWaiters = [];
    this._onOnline = () => this._reconnectNow();
    if (typeof window !== "undefined") window.addEventListener("online", this._onOnline);
  }

  // ---- what a page reads --------------------------------------------------------------

  /** What the user sees: the canonical state with the pending edits on top. Read-only. */
  get state() {
    if (this._viewStale) this._rebuildView();
    return this._view;
  }

  get canonicalState() {
    return this._canonicalState;
  }

  get head() {
    return this._canonical.length;
  }

  get pendingCount() {
    return this._pending.size;
  }

  get status() {
    return this._status;
  }

  /** When the next connection attempt is due (ms since the epoch), or null when connected
   * or connecting: for a page to show "reconnecting in 5 s". */
  get retryAt() {
    return this._retryAt;
  }

  get meetId() {
    return this._session?.meetId ?? null;
  }

  get displayKey() {
    return this._session?.displayKey ?? null;
  }

  on(event, listener) {
    if (!this._listeners.has(event)) this._listeners.set(event, new Set());
    this._listeners.get(event).add(listener);
    return () => this._listeners.get(event).delete(listener);
  }

  _emit(event, detail) {
    for (const listener of this._listeners.get(event) ?? []) {
      try {
        listener(detail);
      } catch (error) {
        console.error(`openlifter-live: a "${event}" listener failed`, error);
      }
    }
  }

  // ---- create, join, resume -------------------------------------------------------------

  async createMeet({ password, endpoints, thisLocationName = this.location }) {
    if (thisLocationName !== this.location) throw new TypeError(`this client is the location ${this.location}, not ${thisLocationName}`);
    if (!this._session) this._useAddress(this.url); // meets are created on /ws
    const reply = await this._admit(
      { msgType: "CREATE_MEET", thisLocationName, password, endpoints },
      "MEET_CREATED", "CREATE_REJECTED",
    );
    await this._admitted(reply, password);
    return { meetId: reply.meetId, displayKey: reply.displayKey };
  }

  async joinMeet({ meetId, password, locationName = this.location }) {
    if (locationName !== this.location) throw new TypeError(`this client is the location ${this.location}, not ${locationName}`);
    const id = String(meetId).replace(/[\s-]/g, "");
    // Joined at the meet's own address: with several server processes, a proxy sends it to
    // the one that holds the meet (a join on /ws of another process is refused).
    if (!this._session && /^\d{9}$/.test(id)) this._useAddress(meetSocketUrl(this.url, id));
    const reply = await this._admit(
      { msgType: "JOIN_MEET", meetId: id, password, locationName },
      "MEET_JOINED", "JOIN_REJECTED",
    );
    await this._admitted(reply, password);
    return { meetId: reply.meetId, displayKey: reply.displayKey, lastServerSeq: reply.lastServerSeq };
  }

  /** Continue a meet saved in storage, online or not: no password needed. */
  async resume(meetId) {
    if (this._session || this._store) throw new Error("this client is already in a meet; open another client");
    const id = String(meetId).replace(/[\s-]/g, "");
    const store = await openStore(this._storageKind, id, this.location);
    const saved = await store.load();
    if (!saved.session) {
      store.close();
      throw new Error(`no saved session for meet ${id} at location ${this.location}: join it with its password`);
    }
    this._useStore(store, saved);
    this._session = saved.session;
    this._emitChange(this._allKeys(), "pull");
    if (this._socket?.readyState === 1) this._startSync();
    return { meetId: id, displayKey: this._session.displayKey, lastServerSeq: this.head };
  }

  _admit(message, okType, refusedType) {
    if (this._session) return Promise.reject(new Error("this client is already in a meet; open another client"));
    if (this._admission) return Promise.reject(new Error("a create or join is already in flight"));
    return new Promise((resolve, reject) => {
      this._admission = { message, okType, refusedType, resolve, reject };
      if (this._socket?.readyState === 1) this._send(message);
    });
  }

  async _admitted(reply, password) {
    const session = { meetId: reply.meetId, token: reply.sessionToken, location: this.location, displayKey: reply.displayKey };
    if (!this._store) {
      // The same browser may have been at this meet and location before: keep its logs.
      const store = await openStore(this._storageKind, session.meetId, this.location);
      this._useStore(store, await store.load());
      if (this.head || this._pending.size) this._emitChange(this._allKeys(), "pull");
    }
    this._session = session;
    this._password = password;
    for (const edit of this._pending.values()) edit.sent = false; // a new session: send them again
    this._pulling = false;
    this._changes.meta.set("session", session);
    await this._save();
    this._startSync();
  }

  _useStore(store, saved) {
    this._store = store;
    this._nextLocal = saved.nextLocal ?? 1;
    this._canonical = [];
    this._canonicalState = {};
    for (const entry of (saved.canonical ?? []).sort((a, b) => a.seq - b.seq)) {
      if (entry.seq !== this.head + 1) break; // a hole left by a torn save: the pull fills it
      this._appendCanonical(entry);
    }
    this._pending = new Map();
    for (const record of saved.pending ?? []) {
      const edit = fromRecord(record);
      edit.saved = true;
      this._pending.set(edit.localSeq, edit);
      this._nextLocal = Math.max(this._nextLocal, edit.localSeq + 1);
    }
    this._retargetNeeded = true;
    this._viewStale = true;
  }

  // ---- local edits ----------------------------------------------------------------------

  /** Make an edit: applied to client.state at once, saved, sent when online. A bad key or
   * value throws InvalidEdit and nothing is queued. */
  edit(key, value) {
    if (!this._session) throw new Error("join, create or resume a meet before editing it");
    const path = parseKey(key, this.limits);
    encodeValue(value, this.limits);
    const copy = copyJson(value);
    const { entryId, base } = entryIndex(path) === null ? NO_TARGET : entryTarget(path, copy, this.state, this._canonicalState);
    const edit = {
      localSeq: this._nextLocal++, key, path, value: copy, afterSeq: this.head, entryId, base, sent: false, known: false, saved: false,
    };
    this._pending.set(edit.localSeq, edit);
    this._savePending(edit);
    this._changes.meta.set("nextLocal", this._nextLocal);
    if (!this._viewStale) this._view = assocIn(this._view, path, copy);
    this._emitChange([key], "local");
    this._save();
    return edit.localSeq;
  }

  /** Resolves when every pending edit has been answered (waits through being offline). */
  flush() {
    if (this._pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this._flushWaiters.push(resolve));
  }

  /** Resolves once everything made so far (edits, answers, relays) is stored. */
  saved() {
    return this._save();
  }

  publish({ returnEmail, oplCsv }) {
    if (!this._session) return Promise.reject(new Error("join, create or resume a meet before publishing it"));
    if (this._socket?.readyState !== 1) return Promise.reject(new Error("publishing needs a connection to the server"));
    return new Promise((resolve, reject) => {
      this._publishing = { resolve, reject };
      this._send({ msgType: "PUBLISH_MEET", sessionToken: this._session.token, returnEmail, oplCsv });
    });
  }

  close() {
    this._closed = true;
    clearTimeout(this._retryTimer);
    clearTimeout(this._resendTimer);
    if (typeof window !== "undefined") window.removeEventListener("online", this._onOnline);
    const socket = this._socket;
    this._socket = null;
    socket?.close();
    this._setStatus(STATUS.OFFLINE);
    const store = this._store;
    Promise.resolve(this._saving).finally(() => store?.close());
  }

  // ---- the connection -------------------------------------------------------------------

  /** Connect at `url` while no meet is joined (the meet's own address for a join, /ws for
   * a create); an open socket elsewhere is replaced at once. */
  _useAddress(url) {
    this._address = url;
    if (!this._socket || this._socketUrl === url) return;
    const old = this._socket;
    this._socket = null; // its close is no loss: _lost ignores a socket no longer ours
    old.onmessage = null;
    old.close();
    this._connect();
  }

  _connect() {
    if (this._closed || this._socket) return;
    this._retryAt = null;
    let socket;
    // Once the meet is known, its own address: a proxy routes it to the meet's process.
    const url = this._session ? meetSocketUrl(this.url, this._session.meetId) : this._address ?? this.url;
    this._socketUrl = url;
    try {
      socket = new WebSocket(url);
    } catch (error) {
      console.error("openlifter-live: cannot open", url, error);
      this._scheduleReconnect();
      return;
    }
    this._socket = socket;
    socket.onopen = () => this._opened(socket);
    socket.onmessage = (event) => this._frame(event.data);
    socket.onclose = () => this._lost(socket);
  }

  _opened(socket) {
    if (socket !== this._socket) return;
    if (this._admission) this._send(this._admission.message);
    if (this._session) this._startSync();
    else this._setStatus(STATUS.ONLINE);
  }

  _lost(socket) {
    if (socket !== this._socket) return;
    this._socket = null;
    this._pulling = false;
    for (const edit of this._pending.values()) edit.sent = false;
    const lost = new Error("the connection closed before the server answered; try again");
    this._publishing?.reject(lost);
    this._publishing = null;
    // Not resent by itself: a CREATE_MEET whose answer was lost may have created a meet.
    this._admission?.reject(lost);
    this._admission = null;
    this._setStatus(STATUS.OFFLINE);
    this._scheduleReconnect();
  }

  _scheduleReconnect() {
    if (this._closed) return;
    clearTimeout(this._retryTimer);
    const ceiling = Math.min(LAST_RETRY_MS, FIRST_RETRY_MS * 2 ** this._retries);
    this._retries += 1;
    const delay = ceiling * (0.5 + Math.random() / 2); // jitter: a hall of tablets do not all knock at once
    this._retryAt = Date.now() + delay;
    this._retryTimer = setTimeout(() => this._connect(), delay);
  }

  _reconnectNow() {
    if (this._closed || this._socket) return;
    clearTimeout(this._retryTimer);
    this._connect();
  }

  _send(message) {
    if (this._socket?.readyState !== 1) return false;
    this._socket.send(JSON.stringify(message));
    return true;
  }

  _startSync() {
    this._setStatus(STATUS.SYNCING);
    this._pull();
  }

  _pull() {
    if (!this._session || this._pulling) return;
    this._pulling = this._send({ msgType: "CLIENT_PULL", sessionToken: this._session.token, lastServerSeq: this.head });
  }

  _setStatus(status) {
    if (status === this._status) return;
    this._status = status;
    this._emit("status", status);
  }

  // ---- server frames ----------------------------------------------------------------------

  _frame(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      console.warn("openlifter-live: ignored a frame that is not JSON", String(text).slice(0, 200));
      return;
    }
    const kind = message && typeof message === "object" ? message.msgType : undefined;
    const handler = Object.prototype.hasOwnProperty.call(HANDLERS, kind) ? HANDLERS[kind] : null;
    if (!handler) {
      console.warn("openlifter-live: ignored a frame of unknown type", kind);
      return;
    }
    try {
      handler.call(this, message);
    } catch (error) {
      console.error(`openlifter-live: could not handle ${kind}; pulling to resync`, error);
      this._pulling = false;
      this._pull();
    }
  }

  _onAdmitted(message) {
    const admission = this._admission;
    if (!admission || admission.okType !== message.msgType) return;
    this._admission = null;
    admission.resolve(message);
  }

  _onRefused(message) {
    const admission = this._admission;
    if (!admission || admission.refusedType !== message.msgType) return;
    this._admission = null;
    admission.reject(Object.assign(new Error(message.reason), { reason: message.reason }));
  }

  _onAck(message) {
    const keys = [];
    let unknown = false;
    this._resends = 0;
    for (const { localSeqNum, serverSeqNum } of message.updateAcks) {
      const edit = this._pending.get(localSeqNum);
      if (!edit) {
        unknown ||= serverSeqNum > this.head; // e.g. an edit re-targeted while in flight
        continue;
      }
      this._dropPending(edit);
      // The view already shows this edit, unless it now lands in another order.
      if (serverSeqNum !== this.head + 1 || this._early.size || this._earlierPendingOverlaps(edit)) this._viewStale = true;
      this._receive({ seq: serverSeqNum, key: edit.key, value: edit.value, location: this.location, own: true }, keys);
    }
    this._afterCanonicalChange(keys, "relay");
    if (unknown || this._early.size) this._pull();
  }

  _onRejected(message) {
    const keys = [];
    let pull = false;
    let resend = null;
    for (const rejection of message.updatesRejected) {
      const edit = this._pending.get(rejection.localSeqNum);
      if (!edit) continue;
      if (rejection.retry === true) {
        // Nothing was decided (the server could not store it): keep it, send it again later.
        edit.sent = false;
        resend = rejection.reason;
        continue;
      }
      this._dropPending(edit);
      this._viewStale = true;
      keys.push(edit.key);
      const omitted = rejection.serverValueOmitted === true || !("serverValue" in rejection);
      pull ||= omitted || rejection.serverSeqNum > this.head;
      this._emit("rejected", {
        key: edit.key, value: edit.value, localSeqNum: edit.localSeq, conflict: rejection.conflict === true,
        reason: rejection.reason, serverValue: omitted ? undefined : rejection.serverValue, serverValueOmitted: omitted,
      });
    }
    this._save();
    if (keys.length) this._emitChange(keys, "rejected");
    if (pull) this._pull();
    if (resend !== null) this._resendLater(resend);
    this._checkFlushed();
  }

  _resendLater(reason) {
    clearTimeout(this._resendTimer);
    const delay = Math.min(LAST_RETRY_MS, FIRST_RETRY_MS * 2 ** this._resends);
    this._resends += 1;
    this._emit("error", { reason: `${reason} (sent again in ${Math.round(delay / 100) / 10} s)`, retry: true });
    this._resendTimer = setTimeout(() => this._sendUnsent(), delay);
  }

  _onRelay(message) {
    const keys = [];
    for (const item of message.updatesRelayed) this._receive(relayEntry(item), keys);
    this._afterCanonicalChange(keys, "relay");
    if (this._early.size) this._pull();
  }

  _onPull(message) {
    this._pulling = false;
    const incoming = message.updates.map(relayEntry);
    let cut = Math.min(message.lastServerSeq, this.head);
    for (const entry of incoming) {
      if (entry.seq <= this.head && !sameEntry(this._canonical[entry.seq - 1], entry)) {
        cut = Math.min(cut, entry.seq - 1);
        break;
      }
    }
    const keys = [];
    const recovered = this._status === STATUS.RECOVERING;
    if (cut < this.head) this._rebase(cut, incoming, keys);
    for (const entry of incoming) this._receive(entry, keys);
    this._afterCanonicalChange(keys, recovered ? "recovery" : "pull");
    if (message.more) {
      this._pull();
      return;
    }
    this._retries = 0;
    this._setStatus(STATUS.ONLINE);
    this._sendUnsent(); // caught up: now what was made offline (re-targeted first)
  }

  _onRecoveryRequest(message) {
    this._setStatus(STATUS.RECOVERING);
    const updates = this._canonical.slice(Math.max(0, message.fromServerSeq)).map((entry) => ({
      serverSeqNum: entry.seq, updateKey: entry.key, updateValue: entry.value, locationName: entry.location,
    }));
    this._send({ msgType: "RECOVERY_UPDATES", sessionToken: this._session.token, updates });
    this._pulling = true; // the server brings every client to the recovered log with a SERVER_PULL
  }

  _onInvalidSession() {
    this._pulling = false;
    if (!this._session) return;
    if (this._password !== null && !this._admission) {
      // The server lost our session (e.g. restored from an old backup): join again.
      const { meetId } = this._session;
      this._session = null;
      this.joinMeet({ meetId, password: this._password }).catch((error) => this._emit("error", { reason: error.message }));
      return;
    }
    this._emit("error", { reason: "the server no longer knows this session: join the meet again with its password" });
  }

  _onPublishAnswer(message) {
    const publishing = this._publishing;
    this._publishing = null;
    if (!publishing) return;
    if (message.msgType === "PUBLISH_ACK") publishing.resolve({ meetId: message.meetId });
    else publishing.reject(Object.assign(new Error(message.reason), { reason: message.reason }));
  }

  _onError(message) {
    // Our own bug or a server with other limits: say so loudly, keep going.
    console.error(`openlifter-live: the server answered ${message.msgType}`, message.errMsg ?? message.unknownMsgType ?? "");
    this._emit("error", { reason: message.errMsg ?? `unknown message type ${message.unknownMsgType}`, msgType: message.msgType });
  }

  // ---- the canonical log ------------------------------------------------------------------

  /** Add an entry to the canonical log in seq order (entries past a gap wait); keys
   * collects what changed in the view. */
  _receive(entry, keys) {
    if (entry.seq <= this.head) return;
    this._early.set(entry.seq, entry);
    while (this._early.has(this.head + 1)) {
      const next = this._early.get(this.head + 1);
      this._early.delete(this.head + 1);
      const own = next.own === true;
      delete next.own;
      this._appendCanonical(next);
      this._changes.canonicalPut.push(next);
      if (!own) {
        keys.push(next.key);
        if (!this._viewStale) {
          // With few pending edits, patch the view in place of rebuilding it; with many
          // (a long offline spell) one rebuild on the next read is cheaper than checking each.
          const path = parseAcceptedKey(next.key);
          if (this._pending.size > FEW_PENDING || this._pendingOverlaps(path)) this._viewStale = true;
          else this._view = assocIn(this._view, path, next.value);
        }
      }
    }
  }

  _appendCanonical(entry) {
    const path = parseAcceptedKey(entry.key);
    this._canonical.push(entry);
    setIn(this._canonicalState, path, entry.value);
    if (movesEntries(path)) {
      this._layoutSeq = entry.seq;
      this._retargetNeeded = true;
    }
  }

  _rebase(serverHead, incoming, keys) {
    // The server lost entries we hold (or holds others at their seqs): its log wins. Our
    // own edits it does not have become pending again, to be sent as new updates.
    console.warn("openlifter-live: the server is behind this client; rebasing", { clientHead: this.head, serverHead });
    const lost = this._canonical.slice(serverHead);
    const keptByServer = incoming.filter((entry) => entry.seq > serverHead);
    this._canonical = this._canonical.slice(0, serverHead);
    this._changes.canonicalDeleteFrom = serverHead + 1;
    this._changes.canonicalPut = this._changes.canonicalPut.filter((entry) => entry.seq <= serverHead);
    this._early.clear();
    this._canonicalState = {};
    this._layoutSeq = 0;
    for (const entry of this._canonical) {
      const path = parseAcceptedKey(entry.key);
      setIn(this._canonicalState, path, entry.value);
      if (movesEntries(path)) this._layoutSeq = entry.seq;
    }
    for (const entry of lost) {
      keys.push(entry.key);
      if (entry.location !== this.location || keptByServer.some((other) => sameEntry(entry, other, false))) continue;
      const path = parseAcceptedKey(entry.key);
      const edit = {
        localSeq: this._nextLocal++, key: entry.key, path, value: entry.value, afterSeq: serverHead,
        ...entryTarget(path, entry.value, this._canonicalState, this._canonicalState), sent: false, known: false, saved: false,
      };
      this._pending.set(edit.localSeq, edit);
      this._savePending(edit);
    }
    this._changes.meta.set("nextLocal", this._nextLocal);
    this._retargetNeeded = true;
    this._viewStale = true;
  }

  _afterCanonicalChange(keys, source) {
    if (this._retargetNeeded) keys.push(...this._retarget());
    this._save();
    if (keys.length) this._emitChange(keys, source);
    this._checkFlushed();
  }

  // ---- pending edits -----------------------------------------------------------------------

  _earlierPendingOverlaps(edit) {
    for (const other of this._pending.values()) {
      if (other.localSeq > edit.localSeq) break; // the map is in localSeq order
      if (overlapping(other.path, edit.path)) return true;
    }
    return false;
  }

  _pendingOverlaps(path) {
    for (const edit of this._pending.values()) if (overlapping(path, edit.path)) return true;
    return false;
  }

  /** SPEC section 6: pending edits under registration.entries[i] follow their entry.
   * Returns the keys whose shown value changed. */
  _retarget() {
    this._retargetNeeded = false;
    const edits = [...this._pending.values()];
    const keys = [];
    if (!edits.some((edit) => edit.entryId !== null)) return keys;
    for (const { edit, path, drop, rebase, now } of planRetarget(this._canonicalState, edits)) {
      if (edit.entryId === null) continue;
      if (drop) {
        this._dropPending(edit);
        keys.push(edit.key);
        this._emit("rejected", {
          key: edit.key, value: edit.value, localSeqNum: edit.localSeq, conflict: true, reason: ENTRY_GONE,
          serverValue: undefined, serverValueOmitted: false,
        });
        continue;
      }
      const moved = path[2] !== edit.path[2];
      // Made before entries moved, and nobody else changed what it changes: as made now.
      const afterSeq = rebase && this._layoutSeq > edit.afterSeq && (!edit.sent || moved) ? this.head : edit.afterSeq;
      if (!moved && afterSeq === edit.afterSeq) continue;
      let target = edit;
      if (moved && (edit.sent || edit.known)) {
        // The server refuses a reused localSeqNum with another key: this is a new update.
        this._dropPending(edit);
        target = { ...edit, localSeq: this._nextLocal++, sent: false, known: false };
        this._changes.meta.set("nextLocal", this._nextLocal);
      }
      target.saved = false;
      target.path = path;
      target.key = formatKey(path);
      target.afterSeq = afterSeq;
      if (afterSeq !== edit.afterSeq) target.base = now;
      this._pending.set(target.localSeq, target);
      this._savePending(target);
      if (moved) keys.push(edit.key, target.key);
    }
    if (keys.length) this._viewStale = true;
    this._save();
    return keys;
  }

  _sendUnsent() {
    if (this._status !== STATUS.ONLINE || !this._session || this._socket?.readyState !== 1) return;
    if (this._retargetNeeded) {
      const moved = this._retarget();
      if (moved.length) this._emitChange(moved, "pull");
    }
    let batch = [];
    let bytes = 0;
    const budget = this.limits.maxMessageBytes / 2; // room for the envelope and escaping
    const flush = () => {
      if (batch.length) this._send({ msgType: "UPDATE_INIT", sessionToken: this._session.token, updates: batch });
      batch = [];
      bytes = 0;
    };
    for (const edit of this._pending.values()) {
      if (edit.sent || (!edit.saved && !this._storageFailing)) continue; // never send what a reload could forget
      const update = { updateKey: edit.key, updateValue: edit.value, localSeqNum: edit.localSeq, afterServerSeqNum: edit.afterSeq };
      const size = JSON.stringify(update).length * 3;
      if (batch.length >= this.limits.maxUpdatesPerBatch || (batch.length && bytes + size > budget)) flush();
      batch.push(update);
      bytes += size;
      edit.sent = true;
      edit.known = true;
    }
    flush();
  }

  _savePending(edit) {
    this._changes.pendingDelete.delete(edit.localSeq);
    this._changes.pendingPut.set(edit.localSeq, edit);
  }

  _dropPending(edit) {
    this._pending.delete(edit.localSeq);
    this._changes.pendingPut.delete(edit.localSeq);
    this._changes.pendingDelete.add(edit.localSeq);
  }

  _checkFlushed() {
    if (this._pending.size || !this._flushWaiters.length) return;
    const waiters = this._flushWaiters;
    this._flushWaiters = [];
    for (const resolve of waiters) resolve();
  }

  // ---- saving -------------------------------------------------------------------------------

  /** Write what changed in one transaction (one at a time, in order); then send the edits
   * that are now safe to send. */
  _save() {
    if (!this._store) return Promise.resolve();
    if (this._saving) return this._saving;
    this._saving = (async () => {
      await null; // let the current task add to the batch first
      while (hasChanges(this._changes) && !(this._closed && this._storageFailing)) {
        const changes = this._changes;
        this._changes = emptyChanges();
        const written = [...changes.pendingPut.values()];
        changes.pendingPut = new Map(written.map((edit) => [edit.localSeq, toRecord(edit)]));
        try {
          await this._store.commit(changes);
        } catch (error) {
          console.error("openlifter-live: could not save; retrying", error);
          this._emit("error", { reason: `could not save to ${this._storageKind}: ${error.message}` });
          mergeChanges(changes, this._changes, written);
          this._changes = changes;
          // Storage is failing (full disk, quota): rather than hold every edit back, send
          // them; the price is only that a reload now could lose what was not stored.
          this._storageFailing = true;
          this._sendUnsent();
          await new Promise((resolve) => setTimeout(resolve, 1000));
          continue;
        }
        this._storageFailing = false;
        for (const edit of written) edit.saved = true;
      }
      this._saving = null;
      this._sendUnsent();
    })();
    return this._saving;
  }

  // ---- state ----------------------------------------------------------------------------------

  _rebuildView() {
    const view = copyJson(this._canonicalState);
    for (const edit of this._pending.values()) setIn(view, edit.path, edit.value);
    this._view = view;
    this._viewStale = false;
  }

  _allKeys() {
    return Object.keys(this.state);
  }

  _emitChange(keys, source) {
    this._emit("change", { keys: [...new Set(keys)], source });
  }
}

const HANDLERS = {
  MEET_CREATED: LiveClient.prototype._onAdmitted,
  MEET_JOINED: LiveClient.prototype._onAdmitted,
  CREATE_REJECTED: LiveClient.prototype._onRefused,
  JOIN_REJECTED: LiveClient.prototype._onRefused,
  UPDATE_ACK: LiveClient.prototype._onAck,
  UPDATE_REJECTED: LiveClient.prototype._onRejected,
  UPDATE_RELAY: LiveClient.prototype._onRelay,
  SERVER_PULL: LiveClient.prototype._onPull,
  RECOVERY_REQUEST: LiveClient.prototype._onRecoveryRequest,
  INVALID_SESSION: LiveClient.prototype._onInvalidSession,
  PUBLISH_ACK: LiveClient.prototype._onPublishAnswer,
  PUBLISH_REJECTED: LiveClient.prototype._onPublishAnswer,
  MALFORMED_MESSAGE: LiveClient.prototype._onError,
  UNKNOWN_MESSAGE_TYPE: LiveClient.prototype._onError,
};

function relayEntry(item) {
  return { seq: item.serverSeqNum, key: item.updateKey, value: item.updateValue, location: item.locationName };
}

function sameEntry(a, b, compareSeq = true) {
  return (!compareSeq || a.seq === b.seq) && a.key === b.key && a.location === b.location && jsonEqual(a.value, b.value);
}

/** A copy of root with value at path; only the objects along the path are new, so a
 * consumer comparing by reference (Redux) sees exactly what changed. */
export function assocIn(root, path, value) {
  const [segment, ...rest] = path;
  const node = root !== null && typeof root === "object" ? root : {};
  const wantArray = typeof segment === "number";
  let copy;
  if (wantArray) {
    copy = Array.isArray(node) ? node.slice() : [];
    while (copy.length < segment) copy.push(null);
  } else {
    copy = !Array.isArray(node) ? { ...node } : {};
  }
  const current = wantArray ? copy[segment] : (Object.prototype.hasOwnProperty.call(copy, segment) ? copy[segment] : undefined);
  let child;
  if (rest.length === 0) {
    child = copyJson(value);
  } else {
    const wantChildArray = typeof rest[0] === "number";
    const fits = wantChildArray ? Array.isArray(current) : current !== null && typeof current === "object" && !Array.isArray(current);
    child = assocIn(fits ? current : wantChildArray ? [] : {}, rest, value);
  }
  if (wantArray) copy[segment] = child;
  else ownSet(copy, segment, child);
  return copy;
}

function toRecord(edit) {
  return {
    localSeq: edit.localSeq, key: edit.key, value: edit.value, afterSeq: edit.afterSeq, entryId: edit.entryId,
    hasBase: edit.base !== MISSING, base: edit.base === MISSING ? null : edit.base,
  };
}

function fromRecord(record) {
  return {
    localSeq: record.localSeq, key: record.key, path: parseAcceptedKey(record.key), value: record.value,
    afterSeq: record.afterSeq, entryId: record.entryId ?? null, base: record.hasBase ? record.base : MISSING,
    sent: false, known: true, saved: true, // it may have gone out before the reload
  };
}

function mergeChanges(into, newer, written) {
  // A failed write is retried with whatever changed since, newer winning.
  for (const [key, value] of newer.meta) into.meta.set(key, value);
  if (newer.canonicalDeleteFrom !== null) {
    into.canonicalDeleteFrom = Math.min(into.canonicalDeleteFrom ?? Infinity, newer.canonicalDeleteFrom);
    into.canonicalPut = into.canonicalPut.filter((entry) => entry.seq < newer.canonicalDeleteFrom);
  }
  into.canonicalPut.push(...newer.canonicalPut);
  into.pendingPut = new Map(written.map((edit) => [edit.localSeq, edit]));
  for (const localSeq of newer.pendingDelete) {
    into.pendingPut.delete(localSeq);
    into.pendingDelete.add(localSeq);
  }
  for (const [localSeq, edit] of newer.pendingPut) {
    into.pendingDelete.delete(localSeq);
    into.pendingPut.set(localSeq, edit);
  }
}
