// Update keys and values, checked exactly as the server checks them
// (openlifter/meet/keys.py and openlifter/protocol/schema.py): a bad edit throws at once
// instead of reaching the server and coming back as MALFORMED_MESSAGE.

// The server's defaults (openlifter/config.py); LiveClient.open({ limits }) overrides
// them for a server configured otherwise. tests/js/test_keys_match_server.py keeps them equal.
export const DEFAULT_LIMITS = Object.freeze({
  maxKeyLength: 512,
  maxKeyIndex: 100000,
  maxKeySegments: 32,
  maxValueBytes: 1024 * 1024,
  maxValueDepth: 64,
  maxUpdatesPerBatch: 5000,
  maxMessageBytes: 4 * 1024 * 1024,
});

const NAME = "[A-Za-z0-9_$\\-]+";
const INDEX = "\\[(0|[1-9][0-9]*)\\]";
const KEY = new RegExp(`^${NAME}(?:${INDEX})*(?:\\.${NAME}(?:${INDEX})*)*$`);
const TOKEN = new RegExp(`(${NAME})|${INDEX}`, "g");
const NAME_ONLY = new RegExp(`^${NAME}$`);

export class InvalidEdit extends Error {
  constructor(message) {
    super(message);
    this.name = "InvalidEdit";
  }
}

/** "registration.entries[3].name" -> ["registration", "entries", 3, "name"]. */
export function parseKey(key, limits = DEFAULT_LIMITS) {
  if (typeof key !== "string") throw new InvalidEdit("update key must be a string");
  if (!key) throw new InvalidEdit("update key is empty");
  if (key.length > limits.maxKeyLength) {
    throw new InvalidEdit(`update key is longer than ${limits.maxKeyLength} characters (maxKeyLength)`);
  }
  if (!KEY.test(key)) {
    throw new InvalidEdit(`update key ${JSON.stringify(key)} is not a path of names and [n] indices, e.g. registration.entries[3].name`);
  }
  const path = [];
  for (const [, name, index] of key.matchAll(TOKEN)) {
    if (name !== undefined) {
      path.push(name);
    } else {
      const number = Number(index);
      if (number > limits.maxKeyIndex) {
        throw new InvalidEdit(`update key has index ${index}, above the limit ${limits.maxKeyIndex} (maxKeyIndex)`);
      }
      path.push(number);
    }
    if (path.length > limits.maxKeySegments) {
      throw new InvalidEdit(`update key has more than ${limits.maxKeySegments} segments (maxKeySegments)`);
    }
  }
  return path;
}

/** Parse a key the server already accepted: the grammar applies, the limits do not. */
export function parseAcceptedKey(key) {
  return parseKey(key, { ...DEFAULT_LIMITS, maxKeyLength: Infinity, maxKeyIndex: Number.MAX_SAFE_INTEGER, maxKeySegments: Infinity });
}

export function formatKey(path) {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else text += (text ? "." : "") + segment;
  }
  return text;
}

/** The edits [key, value] that set `value` at `key`, each value within maxValueBytes: the
 * value itself when it fits, else an empty object or array there and then each of its
 * members the same way. For uploading a whole meet: a national meet's
 * registration.entries (1,900 lifters make a megabyte) goes as one edit per lifter. A
 * member whose name cannot be a key segment keeps its container whole. */
export function editsWithin(key, value, limits = DEFAULT_LIMITS) {
  const edits = [];
  const encoder = new TextEncoder();
  const visit = (path, node) => {
    const splittable = node !== null && typeof node === "object" && path.length < limits.maxKeySegments
      && !(Array.isArray(node) && node.length > limits.maxKeyIndex + 1);
    const names = splittable && !Array.isArray(node) ? Object.keys(node) : [];
    if (!splittable || names.some((name) => !NAME_ONLY.test(name)) || encoder.encode(JSON.stringify(node)).length <= limits.maxValueBytes) {
      edits.push([formatKey(path), node]);
      return;
    }
    edits.push([formatKey(path), Array.isArray(node) ? [] : {}]);
    if (Array.isArray(node)) node.forEach((member, i) => visit([...path, i], member));
    else for (const name of names) if (node[name] !== undefined) visit([...path, name], node[name]);
  };
  visit(parseKey(key, limits), value);
  return edits;
}

/** Two keys touch the same object when one is a segment-wise prefix of the other. */
export function overlaps(a, b) {
  const shorter = Math.min(a.length, b.length);
  for (let i = 0; i < shorter; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The JSON text of an update value, or InvalidEdit saying why it cannot be sent. */
export function encodeValue(value, limits = DEFAULT_LIMITS) {
  checkJson(value, limits.maxValueDepth);
  const text = JSON.stringify(value);
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > limits.maxValueBytes) {
    throw new InvalidEdit(`update value is larger than ${limits.maxValueBytes} bytes (maxValueBytes)`);
  }
  return text;
}

function checkJson(value, maxDepth) {
  const stack = [[value, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop();
    if (node === null || typeof node === "string" || typeof node === "boolean") continue;
    if (typeof node === "number") {
      if (!Number.isFinite(node)) throw new InvalidEdit("update value holds a number JSON cannot represent");
      continue;
    }
    if (typeof node !== "object") throw new InvalidEdit(`update value holds a ${typeof node}, which is not JSON`);
    if (depth > maxDepth) throw new InvalidEdit(`update value is nested deeper than ${maxDepth} levels (maxValueDepth)`);
    const isPlain = Array.isArray(node) || Object.getPrototypeOf(node) === Object.prototype || Object.getPrototypeOf(node) === null;
    if (!isPlain) throw new InvalidEdit("update value holds an object that is not plain JSON (a Date, Map or class instance)");
    const children = Array.isArray(node) ? node : Object.values(node);
    for (const child of children) stack.push([child, depth + 1]);
  }
}
