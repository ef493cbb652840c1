// The browser's lifting rules equal the server's Python rules, vector by vector.
// Run: node --test tests/js/   (scripts/test does; PYTHON picks the interpreter, default .venv/bin/python;
// RULE_VECTORS sets how many random flights, default 2000).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { standings } from "../../static/js/console/results.js";
import { platformProgress, readEntries, readMeet, weightClassOf } from "../../static/js/console/rules.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const PYTHON = process.env.PYTHON || join(ROOT, ".venv", "bin", "python");
const COUNT = process.env.RULE_VECTORS || "2000";

function vectors(seed) {
  const out = execFileSync(PYTHON, [join(ROOT, "tests", "js", "make_vectors.py"), COUNT, String(seed)], {
    cwd: ROOT,
    maxBuffer: 1 << 30,
  });
  return JSON.parse(out);
}

const plates = (loading) => loading.map((p) => [p.weightAny, p.isAlreadyLoaded, p.color]);

function actual(vector) {
  const p = platformProgress(vector.state, vector.day, vector.platform);
  return {
    flight: p.lifting.flight,
    lift: p.lifting.lift,
    flights: p.flights,
    attempt: p.attempt,
    order: p.order.map((e) => e.id),
    currentId: p.current ? p.current.id : null,
    nextId: p.next ? p.next.id : null,
    nextAttempt: p.next ? p.nextAttempt : null,
    currentKg: p.currentKg,
    nextKg: p.nextKg,
    currentPlates: plates(p.currentPlates),
    nextPlates: plates(p.nextPlates),
    standings: Object.fromEntries([["projected", true], ["final", false]].map(([mode, projected]) => [
      mode,
      standings(readEntries(vector.state), readMeet(vector.state.meet), projected).map((c) => ({
        key: c.key, rows: c.rows.map((r) => [r.entry.id, r.place, r.totalKg]),
      })),
    ])),
    weightClasses: Object.fromEntries(p.entries.map((e) => [String(e.id), weightClassOf(p.meet, e.sex, e.bodyweightKg)])),
  };
}

const all = vectors(9);

test("the vectors cover overrides, fourth attempts, ties, complete flights and pounds", () => {
  const overridden = all.filter((v) => JSON.stringify(v.state).includes('"overrideAttempt":') &&
    /"overrideAttempt":[1-5]/.test(JSON.stringify(v.state)));
  assert.ok(overridden.length > 50, `${overridden.length} with an attempt override`);
  assert.ok(all.filter((v) => v.expected.attempt >= 4).length > 50, "fourth and fifth attempts");
  assert.ok(all.filter((v) => v.expected.currentId === null).length > 50, "flights complete");
  assert.ok(all.filter((v) => v.expected.order.length >= 5).length > 200, "flights of five or more");
  assert.ok(all.filter((v) => v.state.meet.inKg === false).length > 200, "pound meets");
  assert.ok(all.filter((v) => v.expected.currentPlates.some((p) => p[0] < 0)).length > 20, "unloadable remainders");
  const rows = all.flatMap((v) => v.expected.standings.final.flatMap((c) => c.rows));
  assert.ok(rows.filter((r) => r[1] === "G").length > 50, "guests in the standings");
  assert.ok(new Set(all.flatMap((v) => v.expected.standings.final.map((c) => c.key.split("|")[3]))).size >= 3, "several divisions");
});

test("lifting order, attempt, current and next lifter, bar load, classes and standings equal the Python rules", () => {
  let checked = 0;
  for (const [i, vector] of all.entries()) {
    assert.deepStrictEqual(actual(vector), vector.expected, `vector ${i}: ${JSON.stringify(vector.state)}`);
    checked += 1;
  }
  assert.equal(checked, Number(COUNT));
});
