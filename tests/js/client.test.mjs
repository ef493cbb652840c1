// The client's handling of server frames, on a real LiveClient that is offline
// (offline_client.mjs). The browser tests run it against a real server.
import assert from "node:assert/strict";
import { test } from "node:test";

import { InvalidEdit, meetSocketUrl } from "../../static/js/live/client.js";
import { offlineClient } from "./offline_client.mjs";
import { MemoryStore } from "../../static/js/live/store.js";

const offline = offlineClient;

const frame = (client, message) => client._frame(JSON.stringify(message));
const relay = (...items) => ({
  msgType: "UPDATE_RELAY",
  updatesRelayed: items.map(([serverSeqNum, updateKey, updateValue, locationName = "Director"]) => ({ serverSeqNum, updateKey, updateValue, locationName })),
});

test("an edit is shown at once, on top of the canonical state", async () => {
  const { client } = await offline();
  frame(client, relay([1, "meet.name", "Open"]));
  client.edit("meet.city", "Oslo");
  assert.deepEqual(client.state, { meet: { name: "Open", city: "Oslo" } });
  assert.deepEqual(client.canonicalState, { meet: { name: "Open" } });
  assert.equal(client.pendingCount, 1);
  client.close();
});

test("a rejected edit is dropped, the server's value shows, and rejected says so", async () => {
  const { client } = await offline();
  const rejected = [];
  client.on("rejected", (detail) => rejected.push(detail));
  frame(client, relay([1, "lifting.flight", "B"]));
  const local = client.edit("lifting.flight", "C");
  frame(client, { msgType: "UPDATE_REJECTED", updatesRejected: [
    { localSeqNum: local, conflict: true, reason: "overruled", serverValue: "B", serverSeqNum: 1 }] });
  assert.equal(client.state.lifting.flight, "B");
  assert.equal(client.pendingCount, 0);
  assert.deepEqual(rejected.map(({ key, value, serverValue, conflict }) => [key, value, serverValue, conflict]), [["lifting.flight", "C", "B", true]]);
  client.close();
});

test("an edit the server could not store stays pending to be sent again, and is not reported rejected", async () => {
  const { client } = await offline();
  const rejected = [];
  const errors = [];
  client.on("rejected", (detail) => rejected.push(detail));
  client.on("error", ({ reason }) => errors.push(reason));
  const local = client.edit("lifting.flight", "C");
  frame(client, { msgType: "UPDATE_REJECTED", updatesRejected: [
    { localSeqNum: local, conflict: false, reason: "could not store", serverValue: null, serverSeqNum: 0, retry: true }] });
  assert.equal(client.pendingCount, 1);
  assert.equal(client.state.lifting.flight, "C");
  assert.deepEqual(rejected, []);
  assert.match(errors[0], /^could not store \(sent again in 0\.5 s\)$/);
  client.close();
});

test("a rejection without serverValue says it was left out", async () => {
  const { client } = await offline();
  const rejected = [];
  client.on("rejected", (detail) => rejected.push(detail));
  const local = client.edit("meet", { name: "big" });
  frame(client, { msgType: "UPDATE_REJECTED", updatesRejected: [
    { localSeqNum: local, conflict: true, reason: "r", serverValueOmitted: true, serverSeqNum: 3 }] });
  assert.equal(rejected[0].serverValueOmitted, true);
  assert.equal(rejected[0].serverValue, undefined);
  client.close();
});

test("relays past a gap wait until the gap is filled", async () => {
  const { client } = await offline();
  frame(client, relay([2, "b", 2]));
  assert.equal(client.head, 0);
  frame(client, { msgType: "SERVER_PULL", lastServerSeq: 2, more: false, updates: relay([1, "a", 1], [2, "b", 2]).updatesRelayed });
  assert.equal(client.head, 2);
  assert.deepEqual(client.state, { a: 1, b: 2 });
  client.close();
});

test("an acknowledged edit moves to the canonical log", async () => {
  const { client } = await offline();
  const local = client.edit("meet.name", "Open");
  frame(client, { msgType: "UPDATE_ACK", updateAcks: [{ localSeqNum: local, serverSeqNum: 1 }] });
  assert.equal(client.head, 1);
  assert.equal(client.pendingCount, 0);
  assert.deepEqual(client.canonicalState, { meet: { name: "Open" } });
  client.close();
});

test("pending edits, the log and the next local seq survive a reload", async () => {
  const { client, storage } = await offline();
  frame(client, relay([1, "meet.name", "Open"]));
  client.edit("meet.city", "Oslo");
  const second = client.edit("meet.date", "2026-11-29");
  await client.saved();
  client.close();
  const { client: again } = await offline("Table", storage);
  assert.equal(again.head, 1);
  assert.equal(again.pendingCount, 2);
  assert.deepEqual(again.state, { meet: { name: "Open", city: "Oslo", date: "2026-11-29" } });
  assert.equal(again.edit("meet.federation", "X"), second + 1);
  again.close();
});

test("a bad edit throws and queues nothing", async () => {
  const { client } = await offline();
  assert.throws(() => client.edit("a..b", 1), InvalidEdit);
  assert.throws(() => client.edit("meet.name", undefined), InvalidEdit);
  assert.equal(client.pendingCount, 0);
  assert.deepEqual(client.state, {});
  client.close();
});

test("a frame of an unknown type is logged and ignored", async (t) => {
  const { client } = await offline();
  const warned = [];
  t.mock.method(console, "warn", (...args) => warned.push(args.join(" ")));
  frame(client, { msgType: "SOMETHING_NEW", updatesRelayed: [{ serverSeqNum: 1, updateKey: "a", updateValue: 1, locationName: "X" }] });
  client._frame("not json");
  assert.equal(client.head, 0);
  assert.ok(warned.some((line) => line.includes("SOMETHING_NEW")));
  assert.ok(warned.some((line) => line.includes("not JSON")));
  client.close();
});

test("a recovery request is answered from the canonical log after the server's head", async () => {
  const { client } = await offline();
  frame(client, relay([1, "a", 1, "X"], [2, "b", 2, "Y"]));
  const sent = [];
  client._send = (message) => { sent.push(message); return true; };
  frame(client, { msgType: "RECOVERY_REQUEST", fromServerSeq: 1 });
  assert.equal(client.status, "recovering");
  assert.deepEqual(sent, [{ msgType: "RECOVERY_UPDATES", sessionToken: "t", updates: [
    { serverSeqNum: 2, updateKey: "b", updateValue: 2, locationName: "Y" }] }]);
  client.close();
});

test("when storage keeps failing, edits still go out (and an error says why)", async (t) => {
  const storage = new MemoryStore();
  const { client } = await offline("Table", storage);
  const errors = [];
  client.on("error", (detail) => errors.push(detail.reason));
  t.mock.method(console, "error", () => {});
  storage.commit = async () => { throw new Error("QuotaExceededError"); };
  const sent = [];
  client._status = "online";
  client._socket = { readyState: 1, send: (text) => sent.push(JSON.parse(text)), close() {} };
  client.edit("meet.name", "Open");
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(errors.some((reason) => reason.includes("QuotaExceededError")));
  assert.deepEqual(sent.flatMap((message) => message.updates ?? []).map((update) => update.updateKey), ["meet.name"]);
  client._socket = null;
  client.close();
});

test("with many pending edits a relay still shows beneath them, and they stay on top", async () => {
  const { client } = await offline();
  for (let i = 0; i < 40; i++) client.edit(`registration.entries[${i}].lot`, i);
  frame(client, relay([1, "registration.entries[3]", { name: "Remote", lot: 99 }], [2, "meet.name", "Open"]));
  assert.deepEqual(client.state.registration.entries[3], { name: "Remote", lot: 3 });
  assert.equal(client.state.meet.name, "Open");
  assert.equal(client.state.registration.entries[39].lot, 39);
  client.close();
});

test("a client that knows its meet connects to the meet's own address", () => {
  assert.equal(meetSocketUrl("ws://host:8080/live/ws", "123456789"), "ws://host:8080/live/meets/123456789/ws");
  assert.equal(meetSocketUrl("wss://host/ws", "123456789"), "wss://host/meets/123456789/ws");
  assert.equal(meetSocketUrl("ws://host/meets/123456789/ws", "123456789"), "ws://host/meets/123456789/ws");
});
