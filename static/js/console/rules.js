// OpenLifter's rules for the scoring table, in the browser, so the table keeps working
// offline: lifting order, current and next lifter, active attempt, bar loading, weight
// class. A port of the server's rule modules (openlifter/rules/lifting_order.py,
// barload.py, units.py, model.py), which follow OpenLifter's src/logic/liftingOrder.ts and
// src/logic/barLoad.ts. tests/js/rules.test.mjs checks this file against vectors made by
// the Python rules, so the table and the server's overlays always agree.
//
// Pure: plain JSON state in, plain objects out; no DOM, no network.

export const MAX_ATTEMPTS = 5;
export const LIFTS = ["S", "B", "D"];
export const LIFT_NAMES = { S: "Squat", B: "Bench", D: "Deadlift" };
const WEIGHT_FIELD = { S: "squatKg", B: "benchKg", D: "deadliftKg" };
const STATUS_FIELD = { S: "squatStatus", B: "benchStatus", D: "deadliftStatus" };
const LBS_PER_KG = 2.20462262;
const PLATE_RED = "#FF0000";
const MAX_PLATES_PER_SIDE = 200;

// ---- tolerant readers (model.py): a value of the wrong type reads as the default ----------

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const finite = (v) => typeof v === "number" && Number.isFinite(v);
const num = (v, d) => (finite(v) ? v : d);
const int = (v, d) => (finite(v) && Number.isInteger(v) ? v : d);
const optInt = (v) => (finite(v) && Number.isInteger(v) ? v : null);
const str = (v, d) => (typeof v === "string" ? v : d);
const bool = (v, d) => (typeof v === "boolean" ? v : d);

function attempts(v, read) {
  const list = Array.isArray(v) ? v.slice(0, MAX_ATTEMPTS) : [];
  const out = list.map((x) => read(x, 0));
  while (out.length < MAX_ATTEMPTS) out.push(0);
  return out;
}

/** One entry with OpenLifter's defaults; never throws. `index` is its place in entries. */
export function readEntry(raw, defaultId = 0, index = -1) {
  const r = isObject(raw) ? raw : {};
  return {
    index,
    id: int(r.id, defaultId),
    day: int(r.day, 1),
    platform: int(r.platform, 1),
    flight: str(r.flight, "A"),
    name: str(r.name, ""),
    sex: str(r.sex, "M"),
    lot: int(r.lot, 0),
    bodyweightKg: num(r.bodyweightKg, 0),
    divisions: Array.isArray(r.divisions) ? r.divisions.filter((d) => typeof d === "string") : [],
    events: Array.isArray(r.events) ? r.events.filter((d) => typeof d === "string") : [],
    guest: bool(r.guest, false),
    equipment: str(r.equipment, "Sleeves"),
    squatRackInfo: str(r.squatRackInfo, ""),
    benchRackInfo: str(r.benchRackInfo, ""),
    squatKg: attempts(r.squatKg, num),
    benchKg: attempts(r.benchKg, num),
    deadliftKg: attempts(r.deadliftKg, num),
    squatStatus: attempts(r.squatStatus, int),
    benchStatus: attempts(r.benchStatus, int),
    deadliftStatus: attempts(r.deadliftStatus, int),
  };
}

/** Every entry of a state, in registration order; an entry without an id takes it from lookup. */
export function readEntries(state) {
  const registration = isObject(state) && isObject(state.registration) ? state.registration : {};
  const raw = Array.isArray(registration.entries) ? registration.entries : [];
  const idByIndex = new Map();
  if (isObject(registration.lookup)) {
    for (const [key, position] of Object.entries(registration.lookup)) {
      if (!/^\s*[+-]?\d+\s*$/.test(key) || optInt(position) === null || idByIndex.has(position)) continue;
      idByIndex.set(position, Number(key));
    }
  }
  const out = [];
  raw.forEach((entry, i) => {
    if (isObject(entry)) out.push(readEntry(entry, idByIndex.get(i) ?? 0, i));
  });
  return out;
}

/** A ``lifting`` object with OpenLifter's defaults; an unknown lift reads as squat. */
export function readLifting(raw) {
  const r = isObject(raw) ? raw : {};
  return {
    day: int(r.day, 1),
    platform: int(r.platform, 1),
    flight: str(r.flight, "A"),
    lift: LIFTS.includes(r.lift) ? r.lift : "S",
    overrideAttempt: optInt(r.overrideAttempt),
    overrideEntryId: optInt(r.overrideEntryId),
  };
}

/** SPEC 4.1: where a platform's table shares its lifting state, e.g. "d1p2". */
export const platformLiftingKey = (day, platform) => `d${day}p${platform}`;

/** The lifting of one platform: its shared live.lifting.d<d>p<p>, else ``lifting`` when it
 * names that platform, else flight A squats. The key names the platform, whatever the
 * object says. */
export function platformLifting(state, day, platform) {
  const live = isObject(state) && isObject(state.live) && isObject(state.live.lifting) ? state.live.lifting : {};
  const shared = live[platformLiftingKey(day, platform)];
  if (isObject(shared)) return { ...readLifting(shared), day, platform };
  const table = readLifting(isObject(state) ? state.lifting : undefined);
  if (table.day === day && table.platform === platform) return table;
  return { ...readLifting({}), day, platform };
}

// ---- lifting order (lifting_order.py) ---------------------------------------------------------

export const weightsOf = (entry, lift) => entry[WEIGHT_FIELD[lift] ?? "squatKg"];
export const statusesOf = (entry, lift) => entry[STATUS_FIELD[lift] ?? "squatStatus"];
export const weightField = (lift) => WEIGHT_FIELD[lift] ?? "squatKg";
export const statusField = (lift) => STATUS_FIELD[lift] ?? "squatStatus";

// Out of range reads as undefined (JS) / None (Python): never 0, never pending.
const weightAt = (entry, lift, attempt) => weightsOf(entry, lift)[attempt - 1];
const statusAt = (entry, lift, attempt) => statusesOf(entry, lift)[attempt - 1];

export function isPending(entry, lift, attempt) {
  const w = weightAt(entry, lift, attempt);
  const s = statusAt(entry, lift, attempt);
  return w !== undefined && w !== 0 && s === 0;
}

const sign = (x) => (x > 0 ? 1 : x < 0 ? -1 : 0);

function compareNames(a, b) {
  return a < b ? -1 : a > b ? 1 : 0; // UTF-16 code units, like OpenLifter
}

/** Who lifts first on an attempt: lighter, then lot, then earlier attempts, bodyweight, name. */
export function compareEntriesByAttempt(a, b, lift, attemptOneIndexed) {
  if (a.lot !== 0 && b.lot !== 0 && attemptOneIndexed > MAX_ATTEMPTS) return sign(a.lot - b.lot);
  let attempt = Math.min(attemptOneIndexed, MAX_ATTEMPTS);
  for (;;) {
    const aKg = weightAt(a, lift, attempt);
    const bKg = weightAt(b, lift, attempt);
    if (aKg !== bKg) {
      if (aKg === undefined || bKg === undefined) return 0;
      return sign(aKg - bKg);
    }
    if (a.lot !== 0 && b.lot !== 0) return sign(a.lot - b.lot);
    if (attempt <= 1) break;
    attempt -= 1;
  }
  if (a.bodyweightKg !== b.bodyweightKg) return sign(a.bodyweightKg - b.bodyweightKg);
  return compareNames(a.name, b.name);
}

export function orderEntriesByAttempt(entries, lift, attemptOneIndexed) {
  return [...entries].sort((a, b) => compareEntriesByAttempt(a, b, lift, attemptOneIndexed));
}

function nextAttemptForEntry(entry, lift) {
  for (let attempt = MAX_ATTEMPTS; attempt >= 1; attempt--) {
    if (isPending(entry, lift, attempt)) return attempt;
  }
  return 0;
}

function maxAttemptForEntry(entry, lift) {
  for (let attempt = MAX_ATTEMPTS; attempt >= 1; attempt--) {
    if (weightAt(entry, lift, attempt) !== 0 && statusAt(entry, lift, attempt) !== 0) return attempt;
  }
  return 0;
}

/** The attempt being taken: the override, else the lowest pending one, else inferred (never
 * from the 3rd to a 4th by itself). */
export function activeAttempt(entriesInFlight, lifting) {
  if (lifting.overrideAttempt !== null) return lifting.overrideAttempt;
  const pending = entriesInFlight.map((e) => nextAttemptForEntry(e, lifting.lift)).filter((n) => n > 0);
  if (pending.length > 0) return Math.min(...pending);
  const latest = entriesInFlight.reduce((m, e) => Math.max(m, maxAttemptForEntry(e, lifting.lift)), 0);
  if (latest > 0) return latest + 1 >= 4 ? latest : latest + 1;
  return 1;
}

/** byNext + byThis + byPrev + notLifting, each sorted for its attempt. */
export function orderEntriesForAttempt(entriesInFlight, lift, attempt) {
  const hasNext = attempt + 1 <= MAX_ATTEMPTS;
  const hasPrev = attempt > 1;
  const byNext = [], byThis = [], byPrev = [], notLifting = [];
  for (const entry of entriesInFlight) {
    // Only weights decide the group; a slot out of range (undefined) counts as declared,
    // exactly as OpenLifter's `!== 0` does.
    if (hasNext && weightAt(entry, lift, attempt + 1) !== 0) byNext.push(entry);
    else if (weightAt(entry, lift, attempt) !== 0) byThis.push(entry);
    else if (hasPrev && weightAt(entry, lift, attempt - 1) !== 0) byPrev.push(entry);
    else notLifting.push(entry);
  }
  return [
    ...(hasNext ? orderEntriesByAttempt(byNext, lift, attempt + 1) : byNext),
    ...orderEntriesByAttempt(byThis, lift, attempt),
    ...(hasPrev ? orderEntriesByAttempt(byPrev, lift, attempt - 1) : byPrev),
    ...orderEntriesByAttempt(notLifting, lift, attempt),
  ];
}

function currentEntryId(ordered, lifting, attempt) {
  if (lifting.overrideEntryId !== null && ordered.some((e) => e.id === lifting.overrideEntryId)) {
    return lifting.overrideEntryId;
  }
  const first = ordered.find((e) => isPending(e, lifting.lift, attempt));
  return first ? first.id : null;
}

function nextEntryInfo(ordered, lifting, currentId, attempt) {
  if (currentId === null) return null;
  const index = ordered.findIndex((e) => e.id === currentId);
  if (index === -1) return null;
  for (const entry of ordered.slice(index + 1)) {
    if (isPending(entry, lifting.lift, attempt)) return { id: entry.id, attempt };
  }
  if (attempt + 1 > MAX_ATTEMPTS) return null;
  for (const entry of ordered.slice(0, index)) {
    if (isPending(entry, lifting.lift, attempt + 1)) return { id: entry.id, attempt: attempt + 1 };
  }
  return null;
}

/** Order, attempt, current and next lifter of a flight (getLiftingOrder). */
export function getLiftingOrder(entriesInFlight, lifting) {
  const attempt = activeAttempt(entriesInFlight, lifting);
  const ordered = orderEntriesForAttempt(entriesInFlight, lifting.lift, attempt);
  const currentId = currentEntryId(ordered, lifting, attempt);
  const next = nextEntryInfo(ordered, lifting, currentId, attempt);
  return {
    orderedEntries: ordered,
    attemptOneIndexed: attempt,
    currentEntryId: currentId,
    nextEntryId: next ? next.id : null,
    nextAttemptOneIndexed: next ? next.attempt : null,
  };
}

export function entriesInFlight(entries, lifting) {
  return entries.filter((e) => e.day === lifting.day && e.platform === lifting.platform && e.flight === lifting.flight);
}

export function flightsOnPlatform(entries, day, platform) {
  const flights = new Set(entries.filter((e) => e.day === day && e.platform === platform).map((e) => e.flight));
  return [...flights].sort();
}

// ---- units (units.py) ----------------------------------------------------------------------

export const kg2lbs = (kg) => kg * LBS_PER_KG;
export const lbs2kg = (lbs) => lbs / LBS_PER_KG;

function hundredths(weight) {
  let rounded = Math.round(weight * 100);
  if (rounded > 0 && rounded % 10 === 9) rounded += 1; // float noise from a lbs<->kg trip
  return rounded;
}

/** displayWeight in the en locale: at most two decimals, no grouping. */
export function displayWeight(weight) {
  const rounded = Number.isFinite(weight * 100) ? hundredths(weight) : weight * 100;
  if (Number.isNaN(rounded)) return "NaN";
  if (!Number.isFinite(rounded)) return rounded < 0 ? "-∞" : "∞";
  const negative = rounded < 0 || Object.is(rounded, -0);
  const n = Math.abs(rounded);
  const whole = Math.floor(n / 100);
  const frac = n % 100;
  let text;
  if (frac === 0) text = String(whole);
  else if (frac % 10 === 0) text = `${whole}.${frac / 10}`;
  else text = `${whole}.${String(frac).padStart(2, "0")}`;
  return (negative ? "-" : "") + text;
}

/** A stored kg weight in the meet's unit. */
export const weightInUnits = (kg, inKg) => displayWeight(inKg ? kg : kg2lbs(kg));

/** getWeightClassStr: the first class at or above the bodyweight, else "last+"; "" unweighed. */
export function weightClassStr(classes, bodyweightKg) {
  if (bodyweightKg === 0 || classes.length === 0) return "";
  for (const cls of classes) {
    if (bodyweightKg <= cls) return displayWeight(cls);
  }
  return displayWeight(classes[classes.length - 1]) + "+";
}

function lbsClass(kgValue) {
  let truncated = Math.floor(kg2lbs(kgValue));
  if (truncated === 182) truncated = 183;
  return String(truncated);
}

/** getWeightClassLbsStr: traditional lbs classes (83 kg is "183"). */
export function weightClassLbsStr(classes, bodyweightKg) {
  if (bodyweightKg === 0 || classes.length === 0) return "";
  for (const cls of classes) {
    if (bodyweightKg <= cls) return lbsClass(cls);
  }
  return lbsClass(classes[classes.length - 1]) + "+";
}

// ---- meet setup and bar loading (model.py, barload.py) -----------------------------------------

const DEFAULT_PLATES_KG = [
  [50, 0, "#2AB003"], [25, 8, "#FF0000"], [20, 1, "#4990E2"], [15, 1, "#FFEF2A"], [10, 1, "#2AB003"],
  [5, 1, "#000000"], [2.5, 1, "#000000"], [2, 0, "#4990E2"], [1.5, 0, "#FFEF2A"], [1.25, 1, "#000000"],
  [1, 1, "#4990E2"], [0.75, 1, "#FF0000"], [0.5, 1, "#2AB003"], [0.25, 1, "#4990E2"],
];
const DEFAULT_PLATES_LBS = [
  [100, 0, "#2AB003"], [55, 0, "#FF0000"], [45, 8, "#575757"], [35, 0, "#575757"], [25, 1, "#575757"],
  [10, 2, "#575757"], [5, 1, "#575757"], [2.5, 1, "#575757"], [1.25, 1, "#575757"], [0.5, 2, "#575757"],
];

/** The meet setup the table needs, with OpenLifter's defaults for the meet's unit. */
export function readMeet(raw) {
  const r = isObject(raw) ? raw : {};
  const inKg = bool(r.inKg, true);
  const bar = inKg ? 25 : 45 / LBS_PER_KG;
  const classes = (v) => (Array.isArray(v) ? v.filter(finite) : []);
  let plates;
  if (Array.isArray(r.plates)) {
    plates = r.plates
      .filter((p) => isObject(p) && finite(p.weightKg))
      .map((p) => ({ weightKg: p.weightKg, pairCount: int(p.pairCount, 0), color: str(p.color, "#000000") }));
  } else {
    const spec = inKg ? DEFAULT_PLATES_KG : DEFAULT_PLATES_LBS;
    plates = spec.map(([w, n, c]) => ({ weightKg: inKg ? w : w / LBS_PER_KG, pairCount: n, color: c }));
  }
  return {
    name: str(r.name, ""),
    inKg,
    showAlternateUnits: bool(r.showAlternateUnits, true),
    allow4thAttempts: bool(r.allow4thAttempts, true),
    combineSleevesAndWraps: bool(r.combineSleevesAndWraps, false),
    combineSingleAndMulti: bool(r.combineSingleAndMulti, false),
    lengthDays: int(r.lengthDays, 1),
    platformsOnDays: Array.isArray(r.platformsOnDays) ? r.platformsOnDays.filter((x) => optInt(x) !== null) : [1],
    weightClassesKgMen: classes(r.weightClassesKgMen),
    weightClassesKgWomen: classes(r.weightClassesKgWomen),
    weightClassesKgMx: classes(r.weightClassesKgMx),
    squatBarAndCollarsWeightKg: num(r.squatBarAndCollarsWeightKg, bar),
    benchBarAndCollarsWeightKg: num(r.benchBarAndCollarsWeightKg, bar),
    deadliftBarAndCollarsWeightKg: num(r.deadliftBarAndCollarsWeightKg, bar),
    plates,
  };
}

export function weightClassesForSex(meet, sex) {
  if (sex === "F") return meet.weightClassesKgWomen;
  if (sex === "Mx") return meet.weightClassesKgMx;
  return meet.weightClassesKgMen;
}

/** The weight class that follows from a bodyweight, in the meet's unit ("" unweighed). */
export function weightClassOf(meet, sex, bodyweightKg) {
  const classes = weightClassesForSex(meet, sex);
  return meet.inKg ? weightClassStr(classes, bodyweightKg) : weightClassLbsStr(classes, bodyweightKg);
}

export function barWeightForLift(meet, lift) {
  if (lift === "S") return meet.squatBarAndCollarsWeightKg;
  if (lift === "B") return meet.benchBarAndCollarsWeightKg;
  if (lift === "D") return meet.deadliftBarAndCollarsWeightKg;
  return 0;
}

export function safeKg2Lbs(kg) {
  const text = displayWeight(kg2lbs(kg));
  return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
}

/** Plates for one side, heaviest first; the unloadable rest is a negative red plate. */
export function selectPlates(loadingKg, barAndCollarsKg, plates, inKg) {
  let loading, bar, inventory;
  if (inKg) {
    loading = loadingKg;
    bar = barAndCollarsKg;
    inventory = plates.map((p) => [p.weightKg, p.pairCount, p.color]);
  } else {
    loading = safeKg2Lbs(loadingKg);
    bar = safeKg2Lbs(barAndCollarsKg);
    inventory = plates.map((p) => [safeKg2Lbs(p.weightKg), p.pairCount, p.color]);
  }
  inventory.sort((a, b) => {
    // Python sorts by -weight, where NaN never compares: keep such plates where they are.
    const d = b[0] - a[0];
    return Number.isNaN(d) ? 0 : d;
  });
  let side = (loading - bar) / 2;
  const loaded = [];
  for (const [weight, pairCount, color] of inventory) {
    if (!(weight > 0)) continue;
    let pairs = pairCount;
    while (pairs > 0 && weight <= side && loaded.length < MAX_PLATES_PER_SIDE) {
      pairs -= 1;
      side -= weight;
      loaded.push({ weightAny: weight, isAlreadyLoaded: false, color });
    }
  }
  if (side > 0) loaded.push({ weightAny: -side, isAlreadyLoaded: false, color: PLATE_RED });
  return loaded;
}

/** Mark the plates of `loading` that are already on the bar in `relativeTo`. */
export function makeLoadingRelative(loading, relativeTo) {
  let finger = 0;
  return loading.map((plate) => {
    for (let i = finger; i < relativeTo.length; i++) {
      if (relativeTo[i].weightAny === plate.weightAny) {
        finger = i + 1;
        return { ...plate, isAlreadyLoaded: true };
      }
    }
    return plate;
  });
}

/** Current and next loadings; the next is relative when it is not lighter. */
export function leftCardLoadings(meet, lift, currentKg, nextKg) {
  const bar = barWeightForLift(meet, lift);
  const current = selectPlates(currentKg, bar, meet.plates, meet.inKg);
  let next = selectPlates(nextKg, bar, meet.plates, meet.inKg);
  if (nextKg >= currentKg) next = makeLoadingRelative(next, current);
  return { current, next };
}

// ---- one platform's progress, as the scoring table shows it -------------------------------------

/** Everything the scoring table derives for a platform from the state it sees. */
export function platformProgress(state, day, platform) {
  const meet = readMeet(isObject(state) ? state.meet : undefined);
  const entries = readEntries(state);
  const lifting = platformLifting(state, day, platform);
  const group = entriesInFlight(entries, lifting);
  const order = getLiftingOrder(group, lifting);
  const attempt = order.attemptOneIndexed;
  const byId = new Map(group.map((e) => [e.id, e]));
  const current = order.currentEntryId === null ? null : byId.get(order.currentEntryId) ?? null;
  const next = order.nextEntryId === null ? null : byId.get(order.nextEntryId) ?? null;
  const kgOf = (entry, n) => (entry && n >= 1 && n <= MAX_ATTEMPTS ? weightsOf(entry, lifting.lift)[n - 1] : 0);
  const currentKg = kgOf(current, attempt);
  const nextKg = kgOf(next, order.nextAttemptOneIndexed ?? 0);
  const loadings = leftCardLoadings(meet, lifting.lift, currentKg, nextKg);
  return {
    meet,
    lifting,
    entries,
    flights: flightsOnPlatform(entries, day, platform),
    order: order.orderedEntries,
    attempt,
    current,
    next,
    nextAttempt: order.nextAttemptOneIndexed,
    currentKg,
    nextKg,
    barKg: barWeightForLift(meet, lifting.lift),
    currentPlates: current ? loadings.current : [],
    nextPlates: next ? loadings.next : [],
  };
}
