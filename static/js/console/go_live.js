// Go live: a saved .openlifter file, a meet password and the tables with their priorities.
// The meet is created, the file's slices are uploaded as updates, and the page shows the
// meet id, the join link for the other tables and the display URLs.

import { LiveClient } from "../live/client.js";
import { editsWithin } from "../live/keys.js";
import { $, $$, displayIndexUrl, displayMeetId, joinUrl, markReady, meetUrl, platformsOf, rememberMeet, showError, whileConnecting } from "./common.js";

// What OpenLifter itself requires of a file (HomeContainer's load check).
const REQUIRED = ["language", "meet", "registration", "lifting"];
// What goes live: everything OpenLifter saves except the fork's streaming settings (they
// hold an API key) and our own `live` subtree.
const UPLOADED = ["versions", "language", "meet", "registration", "lifting", "_persist"];
const DIRECTOR_PRIORITY = 10;
const TABLE_PRIORITY = 5;
// Referees only ever write their own chair's decision; they never overrule a table.
const REFEREE_PRIORITY = 1;
const CHAIRS = ["left", "head", "right"];

const form = $("[data-go-live]");
const rows = $("[data-locations]");
const thisLocation = $("[data-this-location]");
let saved = null;

function addLocation(name = "", priority = TABLE_PRIORITY) {
  const row = document.createElement("div");
  row.className = "c-location";
  row.innerHTML = `<input aria-label="Table name" required maxlength="100"><input aria-label="Priority" type="number" step="1" required><button type="button" class="c-button c-plain" aria-label="Remove">✕</button>`;
  const [nameInput, priorityInput, remove] = row.children;
  nameInput.value = name;
  priorityInput.value = String(priority);
  nameInput.addEventListener("input", refreshThisLocation);
  remove.addEventListener("click", () => { row.remove(); refreshThisLocation(); });
  rows.append(row);
  refreshThisLocation();
}

function locations() {
  return $$(".c-location", rows).map((row) => {
    const [name, priority] = row.querySelectorAll("input");
    return { locationName: name.value.trim(), priority: Number(priority.value) };
  });
}

function refreshThisLocation() {
  const chosen = thisLocation.value;
  thisLocation.replaceChildren(...locations().filter((l) => l.locationName).map((l) => new Option(l.locationName, l.locationName)));
  if ([...thisLocation.options].some((o) => o.value === chosen)) thisLocation.value = chosen;
}

/** One table per platform of each day, named as people say it. */
function defaultLocations(meet) {
  return platformsOf(meet).map(({ day, platform, days }) => (days > 1 ? `Day ${day} Platform ${platform}` : `Platform ${platform}`));
}

form.file.addEventListener("change", async () => {
  showError("");
  saved = null;
  const file = form.file.files[0];
  const summary = $("[data-file-summary]");
  summary.textContent = "";
  if (!file) return;
  try {
    const data = JSON.parse(await file.text());
    const missing = REQUIRED.filter((slice) => !(data && typeof data === "object" && slice in data));
    if (missing.length) throw new Error(`not an OpenLifter file: ${missing.join(", ")} missing`);
    saved = data;
  } catch (error) {
    showError(`${file.name}: ${error.message}`);
    return;
  }
  const lifters = Array.isArray(saved.registration?.entries) ? saved.registration.entries.length : 0;
  summary.textContent = `${saved.meet?.name || "Unnamed meet"} · ${saved.meet?.date || "no date"} · ${lifters} lifters`;
  rows.replaceChildren();
  addLocation("Meet director", DIRECTOR_PRIORITY);
  addLocation("Weigh-in", TABLE_PRIORITY);
  const tables = defaultLocations(saved.meet);
  for (const table of tables) addLocation(table, TABLE_PRIORITY);
  for (const table of tables) {
    for (const chair of CHAIRS) addLocation(tables.length > 1 ? `${table} referee ${chair}` : `Referee ${chair}`, REFEREE_PRIORITY);
  }
  thisLocation.value = "Meet director";
});

$("[data-add-location]").addEventListener("click", () => addLocation(""));

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  showError("");
  if (!saved) {
    showError("Pick the meet's .openlifter file first.");
    return;
  }
  const endpoints = locations();
  const names = endpoints.map((l) => l.locationName);
  if (names.some((n) => !n) || new Set(names).size !== names.length) {
    showError("Every table needs a name of its own.");
    return;
  }
  if (endpoints.some((l) => !Number.isInteger(l.priority))) {
    showError("Priorities are whole numbers (a higher number wins).");
    return;
  }
  const me = thisLocation.value;
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  const client = await LiveClient.open({ location: me });
  const connected = whileConnecting(client, button);
  try {
    const created = await client.createMeet({ password: form.password.value, endpoints, thisLocationName: me }).finally(connected);
    for (const slice of UPLOADED) {
      // A national meet's registration is too large for one update: one per lifter then.
      if (slice in saved) for (const [key, value] of editsWithin(slice, saved[slice], client.limits)) client.edit(key, value);
    }
    await client.flush();
    rememberMeet({ meetId: created.meetId, location: me, name: saved.meet?.name || "", displayKey: created.displayKey });
    form.hidden = true;
    const result = $("[data-live-result]");
    $("[data-meet-id]").textContent = displayMeetId(created.meetId);
    $("[data-join-url]").value = joinUrl(created.meetId);
    $("[data-display-url]").value = displayIndexUrl(created.meetId, created.displayKey);
    $("[data-open-meet]").href = meetUrl(created.meetId, "", me);
    result.hidden = false;
    document.body.dataset.liveMeetId = created.meetId;
  } catch (error) {
    showError(error.reason || error.message);
    button.disabled = false;
  } finally {
    client.close();
  }
});
markReady();
