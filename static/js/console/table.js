// The scoring table of one day and platform: flight and lift, the current lifter, attempt,
// weight and bar load, Good lift / No lift (also G and N on the keyboard), next attempts,
// corrections, and the flight's order with every attempt. The order is worked out here,
// with OpenLifter's rules (rules.js), from the state the client holds, so the table keeps
// going with no network; its lifting state is shared as live.lifting.d<day>p<platform>.

import { $, editEntry, markReady, openMeet, parseWeight, showError } from "./common.js";
import { drawPlates } from "./plates.js";
import { standings, useProjectedTotals } from "./results.js";
import {
  LIFTS, LIFT_NAMES, MAX_ATTEMPTS, displayWeight, kg2lbs, lbs2kg, platformLifting, platformLiftingKey,
  platformProgress, statusField, statusesOf, weightClassOf, weightField, weightsOf,
} from "./rules.js";

const query = new URLSearchParams(location.search);
const positive = (text) => (/^[1-9][0-9]{0,3}$/.test(text ?? "") ? Number(text) : 1);
const DAY = positive(query.get("day"));
const PLATFORM = positive(query.get("platform"));
const client = await openMeet();
let progress = null;

const ordinal = (n) => `${n}${n % 10 === 1 && n !== 11 ? "st" : n % 10 === 2 && n !== 12 ? "nd" : n % 10 === 3 && n !== 13 ? "rd" : "th"}`;
const unit = (meet) => (meet.inKg ? "kg" : "lb");
const shown = (kg, meet) => displayWeight(meet.inKg ? kg : kg2lbs(kg));

// ---- the platform's lifting state (live.lifting.d<day>p<platform>) --------------------------

function setLifting(changes) {
  const now = platformLifting(client.state, DAY, PLATFORM);
  const next = {
    day: DAY, platform: PLATFORM, flight: now.flight, lift: now.lift,
    overrideAttempt: now.overrideAttempt, overrideEntryId: now.overrideEntryId, columnDivisionWidthPx: 90, ...changes,
  };
  client.edit(`live.lifting.${platformLiftingKey(DAY, PLATFORM)}`, next);
}

// ---- judging and declaring ------------------------------------------------------------------

function mark(entryId, lift, attempt, status) {
  editEntry(client, entryId, statusField(lift), status, attempt - 1);
}

// A second tap right after a judgment is a double tap, not the next lifter's decision.
const REJUDGE_PAUSE_MS = 400;
let judgedAt = -Infinity;

const canJudge = () => Boolean(progress?.current) && progress.currentKg > 0 && performance.now() - judgedAt >= REJUDGE_PAUSE_MS;

function judgeCurrent(good) {
  if (!canJudge()) return;
  const { current, attempt, lifting } = progress;
  if (attempt < 1 || attempt > MAX_ATTEMPTS) return;
  judgedAt = performance.now();
  setTimeout(renderCurrent, REJUDGE_PAUSE_MS);
  mark(current.id, lifting.lift, attempt, good ? 1 : -1);
  // OpenLifter's MARK_LIFT clears both overrides: the order takes over again.
  if (lifting.overrideAttempt !== null || lifting.overrideEntryId !== null) setLifting({ overrideAttempt: null, overrideEntryId: null });
}

/** OpenLifter's AttemptInput rules: not below an earlier attempt, not a weight already made. */
function attemptProblem(entry, lift, attempt, kg) {
  const weights = weightsOf(entry, lift);
  const statuses = statusesOf(entry, lift);
  for (let i = 0; i < attempt - 1; i++) {
    if (weights[i] !== 0 && kg !== 0 && kg < weights[i]) return `below attempt ${i + 1} (${shown(weights[i], progress.meet)})`;
    if (statuses[i] === 1 && kg !== 0 && kg === weights[i]) return `equal to attempt ${i + 1}, already good`;
  }
  return null;
}

// ---- the attempt dialog (declare, correct) ----------------------------------------------------

const dialog = $("[data-attempt-dialog]");
const dialogForm = $("[data-attempt-form]");
let editing = null;

function openAttempt(entryId, lift, attempt) {
  const entry = progress.entries.find((e) => e.id === entryId);
  if (!entry) return;
  editing = { entryId, lift, attempt };
  const kg = weightsOf(entry, lift)[attempt - 1];
  $("[data-dialog-title]").textContent = `${entry.name || "Lifter"} · ${LIFT_NAMES[lift]} ${attempt}`;
  $("[data-dialog-unit]").textContent = unit(progress.meet);
  dialogForm.weight.value = kg ? shown(kg, progress.meet) : "";
  dialog.showModal();
  dialogForm.weight.focus();
  dialogForm.weight.select();
}

dialogForm.addEventListener("submit", (event) => {
  const action = event.submitter?.value ?? "weight";
  if (!editing || action === "cancel") return;
  const { entryId, lift, attempt } = editing;
  const entry = progress.entries.find((e) => e.id === entryId);
  const typed = parseWeight(dialogForm.weight.value, progress.meet.inKg, lbs2kg);
  const kg = typed === null ? 0 : typed;
  if (Number.isNaN(kg)) {
    event.preventDefault();
    showError("That weight is not a number between 0 and 2000.");
    return;
  }
  const problem = entry && kg !== weightsOf(entry, lift)[attempt - 1] ? attemptProblem(entry, lift, attempt, kg) : null;
  if (problem) {
    event.preventDefault();
    showError(`Not saved: ${shown(kg, progress.meet)} is ${problem}.`);
    return;
  }
  if ((action === "good" || action === "bad") && kg === 0) {
    event.preventDefault();
    showError("Enter the attempt's weight before judging it.");
    return;
  }
  showError("");
  if (entry && kg !== weightsOf(entry, lift)[attempt - 1]) editEntry(client, entryId, weightField(lift), kg, attempt - 1);
  if (action === "good") mark(entryId, lift, attempt, 1);
  if (action === "bad") mark(entryId, lift, attempt, -1);
  if (action === "clear") mark(entryId, lift, attempt, 0);
  editing = null;
});

// ---- pickers ------------------------------------------------------------------------------

const pickers = $("[data-pickers]");

function fillSelect(select, options, value) {
  const signature = JSON.stringify(options);
  if (select.dataset.options !== signature) {
    select.replaceChildren(...options.map(([v, text]) => new Option(text, v)));
    select.dataset.options = signature;
  }
  select.value = value;
}

pickers.flight.addEventListener("change", () => setLifting({ flight: pickers.flight.value, overrideAttempt: null, overrideEntryId: null }));
// OpenLifter: changing the lift starts again at flight A (the first flight here).
pickers.lift.addEventListener("change", () => setLifting({
  lift: pickers.lift.value, flight: progress.flights[0] ?? "A", overrideAttempt: null, overrideEntryId: null,
}));
// The attempt selector keeps the current lifter selected (LiftingFooter), so the table
// can go back to a lifter's earlier attempt.
pickers.attempt.addEventListener("change", () => {
  const value = pickers.attempt.value;
  if (value === "") setLifting({ overrideAttempt: null, overrideEntryId: null });
  else setLifting({ overrideAttempt: Number(value), overrideEntryId: progress.current ? progress.current.id : null });
});
pickers.lifter.addEventListener("change", () => {
  const value = pickers.lifter.value;
  setLifting({ overrideEntryId: value === "" ? null : Number(value) });
});

// ---- rendering -----------------------------------------------------------------------------

function lifterInfo(entry, meet) {
  const bits = [];
  if (entry.divisions.length) bits.push(entry.divisions.join(", "));
  const cls = weightClassOf(meet, entry.sex, entry.bodyweightKg);
  if (cls) bits.push(`${cls} ${unit(meet)}`);
  if (entry.bodyweightKg) bits.push(`BW ${shown(entry.bodyweightKg, meet)}`);
  if (entry.lot) bits.push(`Lot ${entry.lot}`);
  return bits.join(" · ");
}

function weightText(kg, meet) {
  if (!kg) return "";
  const main = `${shown(kg, meet)} ${unit(meet)}`;
  if (!meet.showAlternateUnits) return main;
  const alt = meet.inKg ? `${displayWeight(kg2lbs(kg))} lb` : `${displayWeight(kg)} kg`;
  return `${main} <small>${alt}</small>`;
}

function renderCurrent() {
  const { current, attempt, lifting, meet, currentKg } = progress;
  document.body.dataset.tableCurrent = current ? String(current.id) : "";
  document.body.dataset.tableAttempt = String(attempt);
  document.body.dataset.tableLift = lifting.lift;
  document.body.dataset.tableFlight = lifting.flight;
  $("[data-current-name]").textContent = current ? current.name || "Unnamed lifter" : "Flight complete";
  $("[data-current-info]").textContent = current ? `${LIFT_NAMES[lifting.lift]} · ${ordinal(attempt)} attempt · ${lifterInfo(current, meet)}` : "";
  $("[data-current-weight]").innerHTML = current ? weightText(currentKg, meet) || "no weight declared" : "";
  drawPlates($("[data-current-plates]"), progress.currentPlates, meet.inKg, 80);
  const rack = current && lifting.lift !== "D" ? (lifting.lift === "S" ? current.squatRackInfo : current.benchRackInfo) : "";
  $("[data-current-rack]").textContent = current && lifting.lift !== "D" ? `Rack ${rack}` : "";
  for (const button of [$("[data-good]"), $("[data-bad]")]) button.disabled = !canJudge();
  const { next, nextAttempt, nextKg } = progress;
  $("[data-next-name]").textContent = next
    ? `${next.name} · ${ordinal(nextAttempt)} · ${shown(nextKg, meet)} ${unit(meet)}`
    : "–";
  drawPlates($("[data-next-plates]"), progress.nextPlates, meet.inKg, 48);
}

function renderPickers() {
  const { lifting, flights, order, attempt, meet } = progress;
  const flightOptions = (flights.length ? flights : [lifting.flight]).map((f) => [f, f]);
  if (!flightOptions.some(([f]) => f === lifting.flight)) flightOptions.push([lifting.flight, lifting.flight]);
  fillSelect(pickers.flight, flightOptions, lifting.flight);
  pickers.lift.value = lifting.lift;
  const attempts = meet.allow4thAttempts ? 4 : 3;
  const attemptOptions = [["", `Auto (${attempt})`], ...Array.from({ length: attempts }, (_, i) => [String(i + 1), String(i + 1)])];
  fillSelect(pickers.attempt, attemptOptions, lifting.overrideAttempt === null ? "" : String(lifting.overrideAttempt));
  const lifterOptions = [["", "Auto"], ...order.map((e) => [String(e.id), e.name || `#${e.id}`])];
  fillSelect(pickers.lifter, lifterOptions, lifting.overrideEntryId === null ? "" : String(lifting.overrideEntryId));
}

function attemptColumns(lift) {
  const declared = progress.order.reduce((n, e) => {
    for (let i = MAX_ATTEMPTS; i > 3; i--) if (weightsOf(e, lift)[i - 1] !== 0) return Math.max(n, i);
    return n;
  }, 3);
  const active = lift === progress.lifting.lift && progress.attempt <= MAX_ATTEMPTS ? progress.attempt : 3;
  return Math.max(3, declared, active);
}

function cellButton(entry, lift, attempt) {
  const kg = weightsOf(entry, lift)[attempt - 1];
  const status = statusesOf(entry, lift)[attempt - 1];
  const button = document.createElement("button");
  button.type = "button";
  button.className = "c-cell";
  button.dataset.cell = `${lift}${attempt}`;
  button.classList.add(status > 0 ? "is-good" : status < 0 ? "is-bad" : kg ? "is-pending" : "is-empty");
  button.textContent = kg ? shown(kg, progress.meet) : "–";
  button.setAttribute("aria-label", `${entry.name} ${LIFT_NAMES[lift]} ${attempt}: ${button.textContent}`);
  button.addEventListener("click", () => openAttempt(entry.id, lift, attempt));
  return button;
}

function renderOrder() {
  const { order, lifting, current, next, meet, attempt } = progress;
  const table = $("[data-order]");
  const head = document.createElement("thead");
  const headRow = head.insertRow();
  const th = (text, active = false) => {
    const cell = document.createElement("th");
    cell.textContent = text;
    if (active) cell.className = "is-active";
    headRow.append(cell);
  };
  th("Lifter");
  th("Class");
  th(`BW`);
  const showLot = order.some((e) => e.lot);
  if (showLot) th("Lot");
  const columns = {};
  for (const lift of LIFTS) {
    columns[lift] = attemptColumns(lift);
    for (let n = 1; n <= columns[lift]; n++) th(`${lift}${n}`, lift === lifting.lift && n === attempt);
  }
  const body = document.createElement("tbody");
  for (const entry of order) {
    const row = body.insertRow();
    row.dataset.entry = String(entry.id);
    if (current && entry.id === current.id) row.classList.add("is-current");
    if (next && entry.id === next.id) row.classList.add("is-next");
    const name = row.insertCell();
    name.className = "c-name";
    name.textContent = entry.name || `#${entry.id}`;
    const cls = weightClassOf(meet, entry.sex, entry.bodyweightKg);
    row.insertCell().textContent = cls;
    row.insertCell().textContent = entry.bodyweightKg ? shown(entry.bodyweightKg, meet) : "";
    if (showLot) row.insertCell().textContent = entry.lot ? String(entry.lot) : "";
    for (const lift of LIFTS) {
      for (let n = 1; n <= columns[lift]; n++) row.insertCell().append(cellButton(entry, lift, n));
    }
  }
  table.replaceChildren(head, body);
}

const EVENT_NAMES = { SBD: "Full power", B: "Bench only", S: "Squat only", D: "Deadlift only", BD: "Push-pull", SB: "Squat-bench", SD: "Squat-deadlift" };

function renderStandings() {
  const { entries, meet, lifting, attempt } = progress;
  const projected = useProjectedTotals(lifting.lift, attempt);
  $("[data-standings-mode]").textContent = projected ? "projected: openers not yet taken count" : "final totals";
  const box = $("[data-standings]");
  const cards = [];
  for (const { key, category, rows } of standings(entries, meet, projected)) {
    if (!rows.length) continue;
    const card = document.createElement("table");
    card.className = "c-standing";
    card.dataset.category = key;
    const caption = card.createCaption();
    const cls = category.weightClass ? `${category.weightClass.endsWith("+") ? "" : "−"}${category.weightClass} kg` : "";
    caption.textContent = [category.division, category.sex, cls, category.equipment, EVENT_NAMES[category.event] ?? category.event].filter(Boolean).join(" · ");
    for (const row of rows) {
      const tr = card.insertRow();
      tr.dataset.entry = String(row.entry.id);
      tr.insertCell().textContent = row.place;
      tr.insertCell().textContent = row.entry.name;
      tr.insertCell().textContent = shown(row.totalKg, meet);
    }
    cards.push(card);
  }
  box.replaceChildren(...cards);
}

function render() {
  progress = platformProgress(client.state, DAY, PLATFORM);
  const meet = progress.meet;
  for (const el of document.querySelectorAll("[data-meet-name]")) el.textContent = meet.name ? `· ${meet.name}` : "";
  $("[data-where]").textContent = `Day ${DAY} · Platform ${PLATFORM}`;
  document.title = `Day ${DAY} Platform ${PLATFORM} · ${meet.name || "Scoring table"}`;
  renderPickers();
  renderCurrent();
  renderOrder();
  renderStandings();
  document.body.dataset.tableOrder = progress.order.map((e) => e.id).join(",");
}

$("[data-good]").addEventListener("click", () => judgeCurrent(true));
$("[data-bad]").addEventListener("click", () => judgeCurrent(false));
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || dialog.open) return;
  if (event.target instanceof HTMLElement && event.target.closest("input, select, textarea")) return;
  const key = event.key.toLowerCase();
  if (key === "g") judgeCurrent(true);
  else if (key === "n") judgeCurrent(false);
  else return;
  event.preventDefault();
});

/** A table shares its lifting state from the start (SPEC 4.1), so the views of its
 * platform follow this table rather than a guess or another browser's ``lifting``. */
function claimPlatform() {
  const shared = client.state.live?.lifting?.[platformLiftingKey(DAY, PLATFORM)];
  if (shared === undefined && client.state.registration !== undefined) setLifting({});
}

client.on("change", () => {
  render();
  claimPlatform();
});
render();
claimPlatform();
markReady();
