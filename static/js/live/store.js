// Where a client keeps what it needs to continue after a reload: the session, the
// canonical log, the pending edits and the next local seq. One IndexedDB database per
// meet and location; "memory" keeps the same records for the page's lifetime only.
//
// Both stores take a whole batch of changes in commit(), applied atomically (one
// IndexedDB transaction), and resolve once it is durable.

/** An empty batch of changes; the client fills it and hands it to commit(). */
export function emptyChanges() {
  return { meta: new Map(), canonicalPut: [], canonicalDeleteFrom: null, pendingPut: new Map(), pendingDelete: new Set() };
}

export function hasChanges(changes) {
  return changes.meta.size > 0 || changes.canonicalPut.length > 0 || changes.canonicalDeleteFrom !== null
    || changes.pendingPut.size > 0 || changes.pendingDelete.size > 0;
}

export function databaseName(meetId, location) {
  return `openlifter-live/${meetId}/${location}`;
}

export class MemoryStore {
  constructor() {
    this.meta = new Map();
    this.canonical = new Map();
    this.pending = new Map();
  }

  async load() {
    return {
      session: this.meta.get("session") ?? null,
      nextLocal: this.meta.get("nextLocal") ?? 1,
      canonical: [...this.canonical.values()].sort((a, b) => a.seq - b.seq).map((record) => structuredClone(record)),
      pending: [...this.pending.values()].sort((a, b) => a.localSeq - b.localSeq).map((record) => structuredClone(record)),
    };
  }

  async commit(changes) {
    for (const [key, value] of changes.meta) this.meta.set(key, structuredClone(value));
    if (changes.canonicalDeleteFrom !== null) {
      for (const seq of [...this.canonical.keys()]) if (seq >= changes.canonicalDeleteFrom) this.canonical.delete(seq);
    }
    for (const entry of changes.canonicalPut) this.canonical.set(entry.seq, structuredClone(entry));
    for (const localSeq of changes.pendingDelete) this.pending.delete(localSeq);
    for (const edit of changes.pendingPut.values()) this.pending.set(edit.localSeq, structuredClone(edit));
  }

  close() {}
}

const STORES = ["meta", "canonical", "pending"];

export class IndexedDbStore {
  constructor(db, releaseLock = () => {}) {
    this.db = db;
    this.releaseLock = releaseLock;
  }

  static async open(name, indexedDB = globalThis.indexedDB) {
    if (!indexedDB) throw new Error("this browser has no IndexedDB; open the client with storage: \"memory\"");
    // Two tabs at one meet and location would hand out the same local seqs: one at a time.
    const releaseLock = await exclusiveLock(name);
    try {
      const db = await IndexedDbStore._openDatabase(name, indexedDB);
      return new IndexedDbStore(db, releaseLock);
    } catch (error) {
      releaseLock();
      throw error;
    }
  }

  static _openDatabase(name, indexedDB) {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(name, 1);
      request.onupgradeneeded = () => {
        const db = request.result;
        db.createObjectStore("meta");
        db.createObjectStore("canonical", { keyPath: "seq" });
        db.createObjectStore("pending", { keyPath: "localSeq" });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error(`IndexedDB database ${name} is blocked by another tab`));
    });
  }

  load() {
    return new Promise((resolve, reject) => {
      const tx = this.db.transaction(STORES, "readonly");
      const result = {};
      const meta = tx.objectStore("meta");
      meta.get("session").onsuccess = (event) => { result.session = event.target.result ?? null; };
      meta.get("nextLocal").onsuccess = (event) => { result.nextLocal = event.target.result ?? 1; };
      tx.objectStore("canonical").getAll().onsuccess = (event) => { result.canonical = event.target.result; };
      tx.objectStore("pending").getAll().onsuccess = (event) => { result.pending = event.target.result; };
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  commit(changes) {
    return new Promise((resolve, reject) => {
      // "strict": the transaction completes only once the data is flushed to disk.
      const tx = this.db.transaction(STORES, "readwrite", { durability: "strict" });
      const meta = tx.objectStore("meta");
      for (const [key, value] of changes.meta) meta.put(value, key);
      const canonical = tx.objectStore("canonical");
      if (changes.canonicalDeleteFrom !== null) canonical.delete(IDBKeyRange.lowerBound(changes.canonicalDeleteFrom));
      for (const entry of changes.canonicalPut) canonical.put(entry);
      const pending = tx.objectStore("pending");
      for (const localSeq of changes.pendingDelete) pending.delete(localSeq);
      for (const edit of changes.pendingPut.values()) pending.put(edit);
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error ?? new Error("IndexedDB transaction aborted"));
    });
  }

  close() {
    this.db.close();
    this.releaseLock();
  }
}

/** Hold a Web Lock named after the database until the returned function is called; throw
 * if another tab holds it. (Without Web Locks, e.g. plain http to a remote host, no check.) */
async function exclusiveLock(name) {
  const locks = globalThis.navigator?.locks;
  if (!locks) return () => {};
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  const granted = await new Promise((resolve) => {
    locks.request(name, { ifAvailable: true }, (lock) => {
      resolve(lock !== null);
      return lock === null ? undefined : held;
    });
  });
  if (!granted) throw new Error("this meet is already open at this location in another tab or window");
  return release;
}

/** The store for one meet and location: "indexeddb" (the default) or "memory". */
export async function openStore(kind, meetId, location) {
  if (kind === "memory") return new MemoryStore();
  if (kind === "indexeddb") return IndexedDbStore.open(databaseName(meetId, location));
  if (kind && typeof kind.load === "function" && typeof kind.commit === "function") return kind;
  throw new Error(`unknown storage ${JSON.stringify(kind)}: use "indexeddb" or "memory"`);
}
