// The client applies a log exactly as the server does (openlifter/meet/jsonvalue.py).
import assert from "node:assert/strict";
import { test } from "node:test";

import { assocIn } from "../../static/js/live/client.js";
import { MISSING, getIn, jsonEqual, setIn } from "../../static/js/live/state.js";

test("an index past the end pads the array with null", () => {
  const state = {};
  setIn(state, ["registration", "entries", 2, "name"], "C");
  assert.deepEqual(state, { registration: { entries: [null, null, { name: "C" }] } });
});

test("a node of the wrong kind is replaced", () => {
  const state = { meet: "text", list: { a: 1 } };
  setIn(state, ["meet", "name"], "Open");
  setIn(state, ["list", 0], "x");
  assert.deepEqual(state, { meet: { name: "Open" }, list: ["x"] });
});

test("a set stores a copy, so later changes to the value do not leak in", () => {
  const value = { a: [1] };
  const state = {};
  setIn(state, ["v"], value);
  value.a.push(2);
  assert.deepEqual(state.v, { a: [1] });
});

test("__proto__ is an ordinary key and reaches no prototype", () => {
  const state = {};
  setIn(state, ["__proto__", "polluted"], true);
  assert.equal({}.polluted, undefined);
  assert.deepEqual(JSON.parse(JSON.stringify(state)), JSON.parse('{"__proto__": {"polluted": true}}'));
});

test("getIn tells a missing path from a null value", () => {
  assert.equal(getIn({ a: [null] }, ["a", 0]), null);
  assert.equal(getIn({ a: [null] }, ["a", 1]), MISSING);
  assert.equal(getIn({ a: 1 }, ["a", "b"]), MISSING);
});

test("JSON equality ignores key order and tells true from 1", () => {
  assert.ok(jsonEqual({ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 }));
  assert.ok(!jsonEqual(true, 1));
  assert.ok(!jsonEqual({ a: undefined }, {}));
});

test("assocIn copies only the path it changes and leaves the original alone", () => {
  const original = { meet: { name: "A" }, registration: { entries: [{ id: 1, bodyweightKg: 60 }, { id: 2 }] } };
  const next = assocIn(original, ["registration", "entries", 0, "bodyweightKg"], 61);
  assert.equal(original.registration.entries[0].bodyweightKg, 60);
  assert.equal(next.registration.entries[0].bodyweightKg, 61);
  assert.equal(next.meet, original.meet);
  assert.equal(next.registration.entries[1], original.registration.entries[1]);
  const padded = assocIn({}, ["a", 2], "x");
  const applied = {};
  setIn(applied, ["a", 2], "x");
  assert.deepEqual(padded, applied);
});
