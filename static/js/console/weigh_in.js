// Weigh-in: the lifters of a day, platform and flight with bodyweight, lot, rack heights
// and openers; the weight class is shown as it follows from the bodyweight being typed.
// Each field is sent on its own key when it is left (or on Enter), so two weigh-in tables
// and the scoring tables never overwrite each other's work.

import { $, editEntry, markReady, openMeet, parseWeight, showError } from "./common.js";
import { displayWeight, kg2lbs, lbs2kg, readEntries, readMeet, weightClassOf } from "./rules.js";

const client = await openMeet();
const pickers = $("[data-pickers]");
const query = new URLSearchParams(location.search);
const chosen = { day: Number(query.get("day")) || 1, platform: Number(query.get("platform")) || 1, flight: query.get("flight") || null };

const FIELDS = [
  { field: "bodyweightKg", label: "Bodyweight", weight: true },
  { field: "lot", label: "Lot", integer: true },
  { field: "squatRackInfo", label: "Squat rack", text: true },
  { field: "benchRackInfo", label: "Bench rack", text: true },
  { field: "squatKg", cell: 0, label: "Squat opener", weight: true },
  { field: "benchKg", cell: 0, label: "Bench opener", weight: true },
  { field: "deadliftKg", cell: 0, label: "Deadlift opener", weight: true },
];

function options(select, values, value) {
  const signature = JSON.stringify(values);
  if (select.dataset.options !== signature) {
    select.replaceChildren(...values.map((v) => new Option(String(v), String(v))));
    select.dataset.options = signature;
  }
  select.value = String(value);
}

function shownValue(spec, entry, meet) {
  const raw = entry[spec.field];
  const value = spec.cell === undefined ? raw : raw[spec.cell];
  if (spec.weight) return value ? displayWeight(meet.inKg ? value : kg2lbs(value)) : "";
  if (spec.integer) return value ? String(value) : "";
  return value;
}

function currentEntry(entryId) {
  return readEntries(client.state).find((e) => e.id === entryId) ?? null;
}

function send(entryId, spec, input) {
  const entry = currentEntry(entryId);
  const meet = readMeet(client.state.meet);
  if (!entry) return;
  let value;
  if (spec.weight) {
    value = parseWeight(input.value, meet.inKg, lbs2kg);
    if (Number.isNaN(value)) {
      showError(`${entry.name}: ${spec.label.toLowerCase()} "${input.value}" is not a weight.`);
      return;
    }
    value = value ?? 0;
  } else if (spec.integer) {
    value = input.value.trim() === "" ? 0 : Number(input.value);
    if (!Number.isInteger(value) || value < 0 || value > 100000) {
      showError(`${entry.name}: the lot is a whole number.`);
      return;
    }
  } else {
    value = input.value.trim().slice(0, 100);
  }
  showError("");
  const now = spec.cell === undefined ? entry[spec.field] : entry[spec.field][spec.cell];
  if (now === value) return;
  editEntry(client, entry.id, spec.field, value, spec.cell ?? null);
}

const inputName = (spec) => (spec.cell === undefined ? spec.field : `${spec.field}${spec.cell}`);

function showClass(card, meet, sex, kg) {
  const text = weightClassOf(meet, sex, kg);
  card.querySelector("[data-class]").textContent = text ? `${text} ${meet.inKg ? "kg" : "lb"}` : "not weighed";
}

function lifterCard(entry) {
  const card = document.createElement("article");
  card.className = "c-lifter";
  card.dataset.entry = String(entry.id);
  card.innerHTML = `<h3><span data-name></span><span class="c-class" data-class></span><small data-info></small></h3><div class="c-fields"></div>`;
  const fields = card.querySelector(".c-fields");
  for (const spec of FIELDS) {
    const label = document.createElement("label");
    label.textContent = spec.label;
    const input = document.createElement("input");
    input.name = inputName(spec);
    if (spec.weight) input.inputMode = "decimal";
    if (spec.integer) input.inputMode = "numeric";
    input.autocomplete = "off";
    input.addEventListener("change", () => send(entry.id, spec, input));
    input.addEventListener("keydown", (event) => { if (event.key === "Enter") input.blur(); });
    if (spec.field === "bodyweightKg") {
      input.addEventListener("input", () => {
        const meet = readMeet(client.state.meet);
        const kg = parseWeight(input.value, meet.inKg, lbs2kg);
        showClass(card, meet, currentEntry(entry.id)?.sex ?? entry.sex, Number.isNaN(kg) || kg === null ? 0 : kg);
      });
    }
    label.append(input);
    fields.append(label);
  }
  return card;
}

/** Show the entry's values; the field being typed in keeps what the user typed. */
function fillCard(card, entry, meet) {
  card.querySelector("[data-name]").textContent = entry.name || `#${entry.id}`;
  card.querySelector("[data-info]").textContent = [entry.sex, entry.divisions.join(", ")].filter(Boolean).join(" · ");
  for (const spec of FIELDS) {
    const input = card.querySelector(`input[name="${inputName(spec)}"]`);
    if (input !== document.activeElement) input.value = shownValue(spec, entry, meet);
  }
  const typing = card.querySelector('input[name="bodyweightKg"]') === document.activeElement;
  if (!typing) showClass(card, meet, entry.sex, entry.bodyweightKg);
}

function render() {
  const meet = readMeet(client.state.meet);
  const entries = readEntries(client.state);
  for (const el of document.querySelectorAll("[data-meet-name]")) el.textContent = meet.name ? `· ${meet.name}` : "";
  $("[data-unit]").textContent = meet.inKg ? "kg" : "lb";
  const days = [...new Set([...Array.from({ length: Math.max(1, Math.min(meet.lengthDays, 14)) }, (_, i) => i + 1), ...entries.map((e) => e.day)])].sort((a, b) => a - b);
  options(pickers.day, days, chosen.day);
  const declared = Number.isInteger(meet.platformsOnDays[chosen.day - 1]) ? Math.min(Math.max(meet.platformsOnDays[chosen.day - 1], 1), 16) : 1;
  const platforms = [...new Set([
    ...Array.from({ length: declared }, (_, i) => i + 1), ...entries.filter((e) => e.day === chosen.day).map((e) => e.platform),
  ])].sort((a, b) => a - b);
  options(pickers.platform, platforms, chosen.platform);
  const flights = [...new Set(entries.filter((e) => e.day === chosen.day && e.platform === chosen.platform).map((e) => e.flight))].sort();
  if (!flights.includes(chosen.flight)) chosen.flight = flights[0] ?? "A";
  options(pickers.flight, flights.length ? flights : ["A"], chosen.flight);
  const lifters = entries
    .filter((e) => e.day === chosen.day && e.platform === chosen.platform && e.flight === chosen.flight)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id));
  const box = $("[data-lifters]");
  const ids = lifters.map((e) => e.id).join(",");
  if (box.dataset.ids !== ids) {
    box.replaceChildren(...lifters.map(lifterCard));
    box.dataset.ids = ids;
  }
  for (const entry of lifters) fillCard(box.querySelector(`[data-entry="${entry.id}"]`), entry, meet);
  document.body.dataset.shownLifters = ids;
}

for (const name of ["day", "platform", "flight"]) {
  pickers[name].addEventListener("change", () => {
    chosen[name] = name === "flight" ? pickers[name].value : Number(pickers[name].value);
    render();
  });
}

client.on("change", render);
render();
markReady();
