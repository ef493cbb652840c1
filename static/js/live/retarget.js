// Entries are addressed by index in update keys, but an edit is meant for a lifter. A
// pending edit under registration.entries[i] remembers the id of the entry it was made
// for (and the value it changed there); when the canonical state has moved that id to
// another index, the edit is re-targeted before it is sent, or dropped if the entry is
// gone (SPEC section 6). openlifter/client.py applies the same rule.

import { MISSING, getIn, jsonEqual, setIn } from "./state.js";

/** The index i of a key under registration.entries[i], else null. */
export function entryIndex(path) {
  return path.length >= 3 && path[0] === "registration" && path[1] === "entries" && typeof path[2] === "number" ? path[2] : null;
}

export function entryId(entry) {
  if (entry === null || typeof entry !== "object" || Array.isArray(entry)) return null;
  return typeof entry.id === "number" || typeof entry.id === "string" ? entry.id : null;
}

/** Does a write at this path move, add, remove or re-identify entries? */
export function movesEntries(path) {
  if (path.length < 3) return path.length === 1 ? path[0] === "registration" : path[0] === "registration" && path[1] === "entries";
  return entryIndex(path) !== null && (path.length === 3 || (path.length === 4 && path[3] === "id"));
}

function entriesOf(state) {
  const entries = getIn(state, ["registration", "entries"]);
  return Array.isArray(entries) ? entries : [];
}

function indexById(entries) {
  const index = new Map();
  entries.forEach((entry, i) => {
    const id = entryId(entry);
    if (id !== null && !index.has(id)) index.set(id, i);
  });
  return index;
}

/** What a new edit at path remembers: the entry's id in the view the user edited, and the
 * canonical value it replaced at that entry (to tell later whether someone else changed it). */
export function entryTarget(path, value, view, canonical) {
  const i = entryIndex(path);
  if (i === null) return { entryId: null, base: MISSING };
  const id = entryId(entriesOf(view)[i]) ?? (path.length === 3 ? entryId(value) : null);
  if (id === null) return { entryId: null, base: MISSING };
  return { entryId: id, base: canonicalField(canonical, id, path) };
}

function canonicalField(canonical, id, path, index = indexById(entriesOf(canonical))) {
  const at = index.get(id);
  return at === undefined ? MISSING : getIn(entriesOf(canonical)[at], path.slice(3));
}

/** Decide, for pending edits in local order, where each must go now:
 *  { edit, path, drop, rebase, now } where path is the re-targeted key path, drop means the
 *  entry is gone, and rebase means nobody else changed the edited value since the edit was
 *  made, so it may be sent as made after the current head (a move of the entries is not a
 *  conflict); now is the canonical value there. Edits keep their order; earlier pending edits that add, remove or reorder
 *  entries count for the later ones, as they do in what the user sees. */
export function planRetarget(canonical, edits) {
  const canonicalIndex = indexById(entriesOf(canonical));
  let entries = entriesOf(canonical);
  let viewIndex = canonicalIndex;
  const plan = [];
  for (const edit of edits) {
    let path = edit.path;
    if (edit.entryId !== null && edit.entryId !== undefined) {
      const creates = path.length === 3 && entryId(edit.value) === edit.entryId; // it writes the entry itself
      const at = viewIndex.get(edit.entryId) ?? (creates ? path[2] : undefined);
      if (at === undefined) {
        plan.push({ edit, path, drop: true, rebase: false, now: MISSING });
        continue;
      }
      if (at !== path[2]) path = ["registration", "entries", at, ...path.slice(3)];
      const now = canonicalField(canonical, edit.entryId, path, canonicalIndex);
      const rebase = edit.base !== MISSING && now !== MISSING && jsonEqual(now, edit.base);
      plan.push({ edit, path, drop: false, rebase, now });
    } else {
      plan.push({ edit, path, drop: false, rebase: false, now: MISSING });
    }
    if (movesEntries(path)) {
      const scratch = { registration: { entries: entries.slice() } };
      const i = path[2];
      const own = scratch.registration.entries;
      if (path.length === 4 && own[i] && typeof own[i] === "object") own[i] = { ...own[i] }; // never write into canonical
      setIn(scratch, path, edit.value);
      entries = entriesOf(scratch);
      viewIndex = indexById(entries);
    }
  }
  return plan;
}
