// Pending edits under registration.entries[i] follow the lifter they were made for.
import assert from "node:assert/strict";
import { test } from "node:test";

import { entryTarget, movesEntries, planRetarget } from "../../static/js/live/retarget.js";
import { MISSING } from "../../static/js/live/state.js";

const lifter = (id, bodyweightKg) => ({ id, name: `L${id}`, bodyweightKg });
const meet = (...entries) => ({ registration: { entries } });

function pending(path, value, state) {
  return { path, value, ...entryTarget(path, value, state, state) };
}

test("an edit remembers the id of the entry at its index and the value it replaced", () => {
  const state = meet(lifter(1, 60), lifter(2, 70), lifter(3, 80));
  const edit = pending(["registration", "entries", 2, "bodyweightKg"], 81, state);
  assert.equal(edit.entryId, 3);
  assert.equal(edit.base, 80);
  assert.deepEqual(entryTarget(["meet", "name"], "x", state, state), { entryId: null, base: MISSING });
});

test("after an earlier lifter is deleted the edit moves to its lifter's new index", () => {
  const before = meet(lifter(1, 60), lifter(2, 70), lifter(3, 80), lifter(4, 90));
  const edit = pending(["registration", "entries", 2, "bodyweightKg"], 81, before);
  const [plan] = planRetarget(meet(lifter(1, 60), lifter(3, 80), lifter(4, 90)), [edit]);
  assert.deepEqual(plan.path, ["registration", "entries", 1, "bodyweightKg"]);
  assert.equal(plan.drop, false);
  assert.equal(plan.rebase, true, "nobody else changed C's bodyweight: no conflict to judge");
});

test("an edit whose lifter was changed by someone else is moved but not rebased", () => {
  const edit = pending(["registration", "entries", 1, "bodyweightKg"], 81, meet(lifter(1, 60), lifter(3, 80)));
  const [plan] = planRetarget(meet(lifter(3, 79)), [edit]);
  assert.deepEqual(plan.path, ["registration", "entries", 0, "bodyweightKg"]);
  assert.equal(plan.rebase, false);
});

test("an edit of a deleted lifter is dropped", () => {
  const edit = pending(["registration", "entries", 1, "bodyweightKg"], 71, meet(lifter(1, 60), lifter(2, 70)));
  const [plan] = planRetarget(meet(lifter(1, 60)), [edit]);
  assert.equal(plan.drop, true);
});

test("a write that creates the entry is kept at its index", () => {
  const edit = pending(["registration", "entries", 1], lifter(7, 50), meet(lifter(1, 60)));
  assert.equal(edit.entryId, 7);
  const [plan] = planRetarget(meet(lifter(1, 60)), [edit]);
  assert.equal(plan.drop, false);
  assert.deepEqual(plan.path, ["registration", "entries", 1]);
});

test("earlier pending edits that reorder entries count for the later ones", () => {
  const state = meet(lifter(1, 60), lifter(2, 70));
  const reorder = pending(["registration", "entries"], [lifter(2, 70), lifter(1, 60)], state);
  const view = meet(lifter(2, 70), lifter(1, 60));
  const later = { path: ["registration", "entries", 0, "bodyweightKg"], value: 71, ...entryTarget(["registration", "entries", 0, "bodyweightKg"], 71, view, state) };
  const plans = planRetarget(state, [reorder, later]);
  assert.deepEqual(plans[1].path, ["registration", "entries", 0, "bodyweightKg"]);
  assert.equal(later.entryId, 2);
});

test("only writes that can move entries call for re-targeting", () => {
  assert.ok(movesEntries(["registration"]));
  assert.ok(movesEntries(["registration", "entries"]));
  assert.ok(movesEntries(["registration", "entries", 3]));
  assert.ok(movesEntries(["registration", "entries", 3, "id"]));
  assert.ok(!movesEntries(["registration", "entries", 3, "name"]));
  assert.ok(!movesEntries(["meet"]));
});
