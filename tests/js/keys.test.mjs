// Keys and values are refused in the browser exactly as the server refuses them.
import assert from "node:assert/strict";
import { test } from "node:test";

import { DEFAULT_LIMITS, InvalidEdit, editsWithin, encodeValue, formatKey, overlaps, parseKey } from "../../static/js/live/keys.js";

test("a key parses into names and indices, one segment each", () => {
  assert.deepEqual(parseKey("registration.entries[3].squatKg[0]"), ["registration", "entries", 3, "squatKg", 0]);
  assert.equal(formatKey(["registration", "entries", 3, "name"]), "registration.entries[3].name");
});

test("only the canonical spelling of a key is accepted", () => {
  for (const bad of ["", "a..b", ".a", "a.", "a[01]", "a[-1]", "a[]", "a b", "a[1]b", 7]) {
    assert.throws(() => parseKey(bad), InvalidEdit, String(bad));
  }
});

test("key limits name the option that refuses them", () => {
  assert.throws(() => parseKey("x".repeat(DEFAULT_LIMITS.maxKeyLength + 1)), /maxKeyLength/);
  assert.throws(() => parseKey(`a[${DEFAULT_LIMITS.maxKeyIndex + 1}]`), /maxKeyIndex/);
  assert.deepEqual(parseKey(`a[${DEFAULT_LIMITS.maxKeyIndex}]`), ["a", DEFAULT_LIMITS.maxKeyIndex]);
  assert.throws(() => parseKey("a[5]", { ...DEFAULT_LIMITS, maxKeyIndex: 4 }), /above the limit 4/);
});

test("keys overlap when one is a segment-wise prefix of the other", () => {
  assert.ok(overlaps(parseKey("registration.entries"), parseKey("registration.entries[3].name")));
  assert.ok(!overlaps(parseKey("registration.entries[3]"), parseKey("registration.entries[31]")));
});

test("values that are not JSON, too deep or too large are refused", () => {
  for (const bad of [undefined, NaN, Infinity, () => 1, new Date(), new Map(), Symbol("s"), 10n]) {
    assert.throws(() => encodeValue(bad), InvalidEdit, String(bad));
  }
  let deep = 1;
  for (let i = 0; i < DEFAULT_LIMITS.maxValueDepth; i++) deep = [deep];
  assert.equal(encodeValue(deep).length > 0, true);
  assert.throws(() => encodeValue([deep]), /maxValueDepth/);
  assert.throws(() => encodeValue("é".repeat(DEFAULT_LIMITS.maxValueBytes / 2 + 1)), /maxValueBytes/);
  assert.equal(encodeValue({ a: [1, "b", null, true] }), '{"a":[1,"b",null,true]}');
});

test("a value within maxValueBytes is one edit", () => {
  assert.deepEqual(editsWithin("registration", { entries: [{ id: 1 }] }), [["registration", { entries: [{ id: 1 }] }]]);
});

test("a value past maxValueBytes becomes its empty container and then its members, each within the limit", () => {
  const limits = { ...DEFAULT_LIMITS, maxValueBytes: 200 };
  const entries = Array.from({ length: 5 }, (_, i) => ({ id: i, name: "x".repeat(60) }));
  const edits = editsWithin("registration", { nextEntryId: 5, entries }, limits);
  assert.deepEqual(edits.map(([key]) => key), [
    "registration", "registration.nextEntryId", "registration.entries",
    "registration.entries[0]", "registration.entries[1]", "registration.entries[2]", "registration.entries[3]", "registration.entries[4]",
  ]);
  assert.deepEqual(edits[0][1], {});
  assert.deepEqual(edits[2][1], []);
  assert.ok(edits.every(([, value]) => JSON.stringify(value).length <= 200));
  const rebuilt = {};
  for (const [key, value] of edits) {  // applied in order, they make the value again
    const path = parseKey(key);
    let node = rebuilt;
    for (const segment of path.slice(0, -1)) node = node[segment];
    if (path.length === 1) Object.assign(rebuilt, { [path[0]]: structuredClone(value) });
    else node[path.at(-1)] = structuredClone(value);
  }
  assert.deepEqual(rebuilt.registration, { nextEntryId: 5, entries });
});

test("a member whose name cannot be a key segment keeps its container whole", () => {
  const limits = { ...DEFAULT_LIMITS, maxValueBytes: 20 };
  assert.deepEqual(editsWithin("meet", { "a b": "x".repeat(30) }, limits), [["meet", { "a b": "x".repeat(30) }]]);
});
