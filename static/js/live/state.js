// JSON values as the server holds them (openlifter/meet/jsonvalue.py): copy, compare,
// and reach into by path. setIn has the server's semantics exactly, so a client that
// applies the same log in the same order holds the same state.

export const MISSING = Symbol("missing");

export function copyJson(value) {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(copyJson);
  const copy = {};
  for (const key of Object.keys(value)) ownSet(copy, key, copyJson(value[key]));
  return copy;
}

/** Equality as JSON sees it: true is not 1, key order does not matter. */
export function jsonEqual(a, b) {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.prototype.hasOwnProperty.call(b, key) && jsonEqual(a[key], b[key]));
}

/** The value at path inside value, or MISSING. */
export function getIn(value, path) {
  for (const segment of path) {
    if (typeof segment === "number") {
      if (!Array.isArray(value) || segment >= value.length) return MISSING;
    } else if (value === null || typeof value !== "object" || Array.isArray(value) || !Object.prototype.hasOwnProperty.call(value, segment)) {
      return MISSING;
    }
    value = value[segment];
  }
  return value;
}

/** Path-set: create intermediate objects and arrays as needed (an index past the end pads
 * the array with null), replace a node of the wrong kind, and put a copy of value at the
 * end, replacing the whole subtree that was there. */
export function setIn(root, path, value) {
  let node = root;
  for (let i = 0; i < path.length - 1; i++) {
    const segment = path[i];
    const wantArray = typeof path[i + 1] === "number";
    let child = childOf(node, segment);
    const fits = wantArray ? Array.isArray(child) : child !== null && typeof child === "object" && !Array.isArray(child);
    if (!fits) {
      child = wantArray ? [] : {};
      put(node, segment, child);
    }
    node = child;
  }
  put(node, path[path.length - 1], copyJson(value));
}

function childOf(node, segment) {
  if (typeof segment === "number") return segment < node.length ? node[segment] : null;
  return Object.prototype.hasOwnProperty.call(node, segment) ? node[segment] : undefined;
}

function put(node, segment, value) {
  if (typeof segment === "number") {
    while (node.length < segment) node.push(null);
    node[segment] = value;
  } else {
    ownSet(node, segment, value);
  }
}

/** obj[key] = value as an own property, even for "__proto__" (a valid key name, which
 * JSON.parse also makes an own property) so that no key can reach a prototype. */
export function ownSet(obj, key, value) {
  if (key === "__proto__") {
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}
