// Totals, categories and places, as OpenLifter ranks lifters (a port of the server's
// openlifter/rules/results.py, itself OpenLifter's src/logic/divisionPlace.ts and entry.ts),
// so the scoring table shows the standings offline. tests/js/rules.test.mjs checks it
// against the server's standings for thousands of random meets.

import { compareEntriesByAttempt, statusesOf, weightClassStr, weightClassesForSex, weightsOf } from "./rules.js";

const SEX_ORDER = ["F", "M", "Mx"];
const EVENT_ORDER = ["SBD", "BD", "SB", "SD", "S", "B", "D"];
const EQUIPMENT_ORDER = ["Bare", "Sleeves", "Wraps", "Single-ply", "Multi-ply", "Unlimited"];
export const GUEST_PLACE = "G";

/** Best good lift among attempts 1-3 (the only ones that count). */
export function best3(entry, lift) {
  const weights = weightsOf(entry, lift);
  const statuses = statusesOf(entry, lift);
  let best = 0;
  for (let i = 0; i < 3; i++) if (statuses[i] > 0) best = Math.max(best, weights[i]);
  return best;
}

const bombed = (entry, lift, best) => best === 0 && statusesOf(entry, lift)[0] === -1;

/** Total of the event's lifts; 0 (a DQ) when one of them has no good lift. */
export function finalEventTotal(entry, event) {
  let total = 0;
  for (const lift of "SBD") {
    if (!event.includes(lift)) continue;
    const best = best3(entry, lift);
    if (best === 0) return 0;
    total += best;
  }
  return total;
}

function projectedBest(entry, lift) {
  const weights = weightsOf(entry, lift);
  const statuses = statusesOf(entry, lift);
  let best = 0;
  if (statuses[0] >= 0) best = Math.max(best, weights[0]);
  for (const i of [1, 2]) if (statuses[i] > 0) best = Math.max(best, weights[i]);
  return best;
}

/** While lifting is under way: an opener not yet taken counts as good. */
export function projectedEventTotal(entry, event) {
  const bests = {};
  for (const lift of "SBD") bests[lift] = event.includes(lift) ? projectedBest(entry, lift) : 0;
  if ([..."SBD"].some((lift) => bombed(entry, lift, bests[lift]))) return 0;
  return bests.S + bests.B + bests.D;
}

export function entryHasLifted(entry) {
  return entry.squatStatus[0] !== 0 || entry.benchStatus[0] !== 0 || entry.deadliftStatus[0] !== 0;
}

function resultsEquipment(equipment, meet) {
  if (meet.combineSleevesAndWraps && equipment === "Sleeves") return "Wraps";
  if (meet.combineSingleAndMulti && equipment === "Single-ply") return "Multi-ply";
  return equipment;
}

function categoriesOf(entry, meet) {
  const weightClass = weightClassStr(weightClassesForSex(meet, entry.sex), entry.bodyweightKg);
  const equipment = resultsEquipment(entry.equipment, meet);
  const divisions = entry.divisions.length ? entry.divisions : [""];
  const out = [];
  for (const division of divisions) {
    for (const event of entry.events) out.push({ sex: entry.sex, event, equipment, division, weightClass });
  }
  return out;
}

export const categoryKey = (c) => [c.sex, c.event, c.equipment, c.division, c.weightClass].join("|");

function lastSuccessfulLift(event, entry) {
  for (const lift of [...event].reverse()) {
    if (!"SBD".includes(lift)) return "S";
    if (statusesOf(entry, lift).includes(1)) return lift;
  }
  return "S";
}

function lastSuccessfulAttemptIndex(lift, entry) {
  const statuses = statusesOf(entry, lift);
  for (const i of [2, 1, 0]) if (statuses[i] === 1) return i;
  return 0;
}

const compareNames = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/** Place order in a category: non-guests, higher total, lighter, then who got there first. */
export function compareInCategory(a, b, event, projected) {
  if (a.guest !== b.guest) return Number(a.guest) - Number(b.guest);
  const total = projected ? projectedEventTotal : finalEventTotal;
  const aTotal = total(a, event);
  const bTotal = total(b, event);
  if (aTotal !== bTotal) return bTotal > aTotal ? 1 : -1;
  if (a.bodyweightKg !== b.bodyweightKg) return a.bodyweightKg < b.bodyweightKg ? -1 : 1;
  if (aTotal === 0) return compareNames(a.name, b.name);
  const aLift = lastSuccessfulLift(event, a);
  const bLift = lastSuccessfulLift(event, b);
  if (aLift !== bLift) return "SBD".indexOf(aLift) - "SBD".indexOf(bLift);
  const aAttempt = lastSuccessfulAttemptIndex(aLift, a);
  const bAttempt = lastSuccessfulAttemptIndex(aLift, b);
  if (aAttempt !== bAttempt) return aAttempt - bAttempt;
  // OpenLifter passes the 0-based index as "one-indexed" here: kept, the places must match.
  return compareEntriesByAttempt(a, b, aLift, aAttempt);
}

const orderIndex = (value, order) => order.indexOf(value);

function compareCategories(a, b) {
  const sex = (s) => (SEX_ORDER.includes(s) ? SEX_ORDER.indexOf(s) : 3);
  for (const [x, y] of [
    [sex(a.sex), sex(b.sex)],
    [orderIndex(a.event, EVENT_ORDER), orderIndex(b.event, EVENT_ORDER)],
    [orderIndex(a.equipment, EQUIPMENT_ORDER), orderIndex(b.equipment, EQUIPMENT_ORDER)],
  ]) {
    if (x !== y) return x - y;
  }
  const byDivision = compareNames(a.division, b.division);
  if (byDivision) return byDivision;
  const aShw = a.weightClass.includes("+");
  const bShw = b.weightClass.includes("+");
  if (aShw !== bShw) return aShw ? 1 : -1;
  const aClass = a.weightClass === "" ? 0 : Number.parseInt(a.weightClass, 10);
  const bClass = b.weightClass === "" ? 0 : Number.parseInt(b.weightClass, 10);
  if (Number.isNaN(aClass) || Number.isNaN(bClass)) return 0;
  return aClass - bClass;
}

/** Every category in presentation order, with its entries in place order. */
export function getResults(entries, meet, projected) {
  const members = new Map();
  for (const entry of entries) {
    for (const category of categoriesOf(entry, meet)) {
      const key = categoryKey(category);
      if (!members.has(key)) members.set(key, { category, entries: [] });
      members.get(key).entries.push(entry);
    }
  }
  const results = [...members.values()].map(({ category, entries: group }) => ({
    category,
    ordered: [...group].sort((a, b) => compareInCategory(a, b, category.event, projected)),
  }));
  return results.sort((a, b) => compareCategories(a.category, b.category));
}

/** The standings as the displays list them: lifters without a total (or no-shows, once
 * totals are final) are left out; guests place "G". */
export function standings(entries, meet, projected) {
  return getResults(entries, meet, projected).map(({ category, ordered }) => {
    const rows = [];
    ordered.forEach((entry, i) => {
      const total = projected ? projectedEventTotal(entry, category.event) : finalEventTotal(entry, category.event);
      if (total === 0 || (!projected && !entryHasLifted(entry))) return;
      rows.push({ entry, place: entry.guest ? GUEST_PLACE : String(i + 1), totalKg: total });
    });
    return { key: categoryKey(category), category, rows };
  });
}

/** The lifting table shows projected totals until 2nd-attempt deadlifts. */
export const useProjectedTotals = (lift, attempt) => lift !== "D" || attempt < 2;
