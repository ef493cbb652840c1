// The OpenLifter binding: a Redux store with OpenLifter's state shape (the sample meet)
// and OpenLifter-like actions sends the narrowest keys, and takes remote changes as one
// LIVE_APPLY. The client is the real LiveClient, offline (offline_client.mjs), so its
// pending edits are exactly what it would send. (Two stores converging through a real
// server: tests/e2e/test_live_redux_browser.py.)
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { createStore, applyMiddleware } from "redux";

import { LIVE_APPLY, liveEdits, liveMiddleware, withLive } from "../../static/js/live/redux.js";
import { offlineClient } from "./offline_client.mjs";
import { openlifterReducer } from "./openlifter_reducer.mjs";

const SAMPLE = JSON.parse(readFileSync(new URL("../fixtures/sample.openlifter", import.meta.url)));
const [FIRST, SECOND] = SAMPLE.registration.entries.map((entry) => entry.id);

const openlifter = openlifterReducer(SAMPLE);

async function sentKeys(storage) {
  return (await storage.load()).pending.map((edit) => [edit.key, edit.value]);
}

function boundStore(client) {
  return createStore(withLive(openlifter), SAMPLE, applyMiddleware(liveMiddleware(client)));
}

test("each kind of OpenLifter change is sent under its narrowest key", async () => {
  const { client, storage } = await offlineClient("Platform 1");
  const store = boundStore(client);
  store.dispatch({ type: "ENTER_ATTEMPT", entryId: FIRST, field: "squatKg", attempt: 3, weightKg: 130 });
  store.dispatch({ type: "MARK_LIFT", entryId: FIRST, field: "squatStatus", attempt: 2, status: 1 });
  store.dispatch({ type: "SET_BODYWEIGHT", entryId: SECOND, kg: 82.5 });
  store.dispatch({ type: "SET_FLIGHT", flight: "B" });
  await client._save();
  assert.deepEqual(await sentKeys(storage), [
    ["registration.entries[0].squatKg[2]", 130],
    ["registration.entries[0].squatStatus[1]", 1],
    ["registration.entries[1].bodyweightKg", 82.5],
    ["live.lifting.d1p1", { ...SAMPLE.lifting, flight: "B" }],
  ]);
  assert.deepEqual(client.state.registration.entries[0].squatKg, store.getState().registration.entries[0].squatKg);
  client.close();
});

test("adding or deleting an entry sends the whole registration.entries", () => {
  const store = createStore(openlifter, SAMPLE);
  const before = store.getState();
  store.dispatch({ type: "NEW_REGISTRATION", name: "New Lifter" });
  const added = liveEdits(before, store.getState());
  assert.deepEqual(added.map(([key]) => key).sort(), ["registration.entries", `registration.lookup.${SAMPLE.registration.nextEntryId}`, "registration.nextEntryId"]);
  const afterAdd = store.getState();
  store.dispatch({ type: "DELETE_REGISTRATION", entryId: FIRST });
  const deleted = liveEdits(afterAdd, store.getState());
  assert.deepEqual(deleted.map(([key]) => key), ["registration.entries", "registration.lookup"]);
  assert.deepEqual(deleted[0][1].map((entry) => entry.id), [SECOND, SAMPLE.registration.nextEntryId]);
});

test("reordered entries are sent whole, not as many field changes", () => {
  const before = SAMPLE;
  const after = { ...SAMPLE, registration: { ...SAMPLE.registration, entries: [...SAMPLE.registration.entries].reverse() } };
  assert.deepEqual(liveEdits(before, after).map(([key]) => key), ["registration.entries"]);
});

test("a removed field sends its object, since an update can only set", () => {
  const { notes, ...withoutNotes } = SAMPLE.registration.entries[0];
  const after = { ...SAMPLE, registration: { ...SAMPLE.registration, entries: [withoutNotes, SAMPLE.registration.entries[1]] } };
  assert.deepEqual(liveEdits(SAMPLE, after), [["registration.entries[0]", withoutNotes]]);
  assert.equal(notes, "");
});

test("an action that changes nothing shared sends nothing", () => {
  assert.deepEqual(liveEdits(SAMPLE, { ...SAMPLE, language: "de" }), []);
});

test("remote changes reach the store as one LIVE_APPLY and are not sent back", async () => {
  const { client, storage } = await offlineClient("Platform 1");
  const store = boundStore(client);
  const seen = [];
  store.subscribe(() => seen.push(store.getState()));
  client._frame(JSON.stringify({ msgType: "UPDATE_RELAY", updatesRelayed: [
    { updateKey: "registration", updateValue: SAMPLE.registration, serverSeqNum: 1, locationName: "Director" },
    { updateKey: "meet", updateValue: SAMPLE.meet, serverSeqNum: 2, locationName: "Director" },
    { updateKey: "registration.entries[1].bodyweightKg", updateValue: 99.9, serverSeqNum: 3, locationName: "Director" },
    { updateKey: "live.lifting.d1p1", updateValue: { ...SAMPLE.lifting, lift: "B" }, serverSeqNum: 4, locationName: "Announcer" },
  ] }));
  await client._save();
  assert.equal(seen.length, 1, "one relay frame, one LIVE_APPLY");
  const state = store.getState();
  assert.equal(state.registration.entries[1].bodyweightKg, 99.9);
  assert.equal(state.lifting.lift, "B");
  assert.deepEqual(await sentKeys(storage), []);
  client.close();
});

test("the store wrapper applies LIVE_APPLY slices and passes other actions through", () => {
  const reducer = withLive(openlifter);
  const applied = reducer(SAMPLE, { type: LIVE_APPLY, slices: { meet: { name: "Remote" } } });
  assert.equal(applied.meet.name, "Remote");
  assert.equal(applied.registration, SAMPLE.registration);
  assert.equal(reducer(SAMPLE, { type: "SET_FLIGHT", flight: "C" }).lifting.flight, "C");
});

test("a lifting slice without a day and platform is not shared", () => {
  const after = { ...SAMPLE, lifting: { ...SAMPLE.lifting, day: undefined, flight: "C" } };
  assert.deepEqual(liveEdits(SAMPLE, after), []);
});
