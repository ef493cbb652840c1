// The OpenLifter binding of the live client (SPEC section 6): a Redux reducer wrapper and a
// middleware. After each local action the middleware compares the shared slices before
// and after it and sends the narrowest keys that say what changed; remote changes come
// back into the store as one LIVE_APPLY action. OpenLifter's own reducers stay as they are.

import { formatKey } from "./keys.js";
import { jsonEqual } from "./state.js";

export const LIVE_APPLY = "openlifter-live/LIVE_APPLY";
const NAME = /^[A-Za-z0-9_$-]+$/;

/** The root reducer, plus LIVE_APPLY: replace the slices the server changed. */
export function withLive(rootReducer) {
  return function liveReducer(state, action) {
    if (action.type === LIVE_APPLY) return { ...state, ...action.slices };
    return rootReducer(state, action);
  };
}

/** The key a scoring table shares its lifting state under (SPEC section 4.1). */
export function platformKey(lifting) {
  return `live.lifting.d${lifting.day}p${lifting.platform}`;
}

/** The edits [key, value] that turn `before` into `after` for the shared slices: a changed
 * field, one attempt cell; the whole registration.entries when entries were added,
 * removed or reordered; the whole object where a field was removed (the protocol sets,
 * it never deletes). */
export function liveEdits(before, after, { shared = ["meet", "registration"], platformLocal = "lifting" } = {}) {
  const edits = [];
  for (const slice of shared) diff(edits, [slice], before?.[slice], after?.[slice]);
  const lifting = platformLocal ? after?.[platformLocal] : undefined;
  if (hasPlatform(lifting) && lifting !== before?.[platformLocal]) {
    if (!jsonEqual(plain(lifting), plain(before?.[platformLocal]))) edits.push([platformKey(lifting), plain(lifting)]);
  }
  return edits;
}

function diff(edits, path, a, b) {
  if (a === b || b === undefined) return;
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(b).filter((key) => b[key] !== undefined);
    const removed = Object.keys(a).some((key) => a[key] !== undefined && b[key] === undefined);
    if (removed || !keys.every((key) => NAME.test(key))) {
      edits.push([formatKey(path), plain(b)]);
      return;
    }
    for (const key of keys) diff(edits, [...path, key], a[key], b[key]);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length || (isEntries(path) && !sameIds(a, b))) {
      edits.push([formatKey(path), plain(b)]);
      return;
    }
    for (let i = 0; i < b.length; i++) diff(edits, [...path, i], a[i], b[i]);
    return;
  }
  if (!jsonEqual(plain(a), plain(b))) edits.push([formatKey(path), plain(b)]);
}

/** A lifting slice that names its day and platform (whole numbers), so it has a key. */
function hasPlatform(lifting) {
  return isObject(lifting) && Number.isInteger(lifting.day) && Number.isInteger(lifting.platform);
}

function isEntries(path) {
  return path.length === 2 && path[0] === "registration" && path[1] === "entries";
}

function sameIds(a, b) {
  return a.every((entry, i) => entry?.id === b[i]?.id);
}

function isObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The value as JSON holds it (undefined fields dropped). */
function plain(value) {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

/** Redux middleware: local actions become client edits; the client's remote changes
 * (relays, pulls, rejections, recovery) reach the store as one LIVE_APPLY. */
export function liveMiddleware(client, options = {}) {
  const { shared = ["meet", "registration"], platformLocal = "lifting" } = options;
  return (store) => {
    const applyRemote = (touched) => {
      const slices = remoteSlices(client.state, store.getState(), shared, platformLocal, touched);
      if (Object.keys(slices).length) store.dispatch({ type: LIVE_APPLY, slices });
    };
    client.on("change", ({ keys, source }) => {
      if (source !== "local") applyRemote(new Set(keys.map((key) => key.split(/[.[]/, 1)[0])));
    });
    // What the client already holds (a resumed meet) reaches the store once it exists.
    queueMicrotask(() => applyRemote(null));
    return (next) => (action) => {
      if (action.type === LIVE_APPLY) return next(action);
      const before = store.getState();
      const result = next(action);
      for (const [key, value] of liveEdits(before, store.getState(), { shared, platformLocal })) {
        try {
          client.edit(key, value);
        } catch (error) {
          // The action has happened in this browser; the server cannot take it. Say so.
          console.error(`openlifter-live: could not share ${key}`, error);
        }
      }
      return result;
    };
  };
}

/** The slices to replace in the store: those the change touched (touched: the first
 * segments of its keys; null for all), where the client's view differs. */
function remoteSlices(live, current, shared, platformLocal, touched) {
  const slices = {};
  for (const slice of shared) {
    if (touched && !touched.has(slice)) continue;
    if (live[slice] !== undefined && live[slice] !== current[slice]) slices[slice] = live[slice];
  }
  const lifting = platformLocal ? current[platformLocal] : undefined;
  if (hasPlatform(lifting) && (!touched || touched.has("live"))) {
    const remote = live.live?.lifting?.[`d${lifting.day}p${lifting.platform}`];
    if (remote && typeof remote === "object" && !jsonEqual(remote, plain(lifting))) slices[platformLocal] = remote;
  }
  return slices;
}
