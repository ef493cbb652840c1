// What every console page shares: the meets this browser holds, opening a meet with the
// JavaScript client, the status bar (connection, edits waiting, rejected edits) and the
// edits the pages make. The client keeps the session and the logs (IndexedDB); this file
// keeps only a small list of meets in localStorage, to offer them again.

import { LiveClient } from "../live/client.js";
import { lbs2kg } from "./rules.js";

export const base = document.body.dataset.base || "/";
export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

const SAVED_MEETS = "openlifter-live:meets";
const MAX_SAVED_MEETS = 50;
const STATUS_TEXT = { online: "Online", offline: "Offline", syncing: "Syncing", recovering: "Recovering" };

/** "123456789" -> "123 456 789". */
export const displayMeetId = (id) => String(id).replace(/(\d{3})(?=\d)/g, "$1 ");

/** Meets this browser has joined or created: [{meetId, location, name, displayKey, at}]. */
export function savedMeets() {
  try {
    const list = JSON.parse(localStorage.getItem(SAVED_MEETS) || "[]");
    return Array.isArray(list) ? list.filter((m) => m && typeof m.meetId === "string" && typeof m.location === "string") : [];
  } catch {
    return [];
  }
}

export function rememberMeet({ meetId, location, name = "", displayKey = "" }) {
  const others = savedMeets().filter((m) => !(m.meetId === meetId && m.location === location));
  const list = [{ meetId, location, name, displayKey, at: Date.now() }, ...others].slice(0, MAX_SAVED_MEETS);
  localStorage.setItem(SAVED_MEETS, JSON.stringify(list));
}

export function showError(text) {
  const box = $("[data-error]");
  box.textContent = text;
  box.hidden = !text;
}

export function consoleUrl(path, params = {}) {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== ""));
  return `${base}console/${path}${query.size ? `?${query}` : ""}`;
}

export function meetUrl(meetId, page, location, params = {}) {
  return consoleUrl(`meets/${meetId}/${page}`, { location, ...params });
}

export function displayIndexUrl(meetId, displayKey) {
  return new URL(`${base}meets/${meetId}/?key=${encodeURIComponent(displayKey)}`, location.href).href;
}

export function joinUrl(meetId) {
  return new URL(consoleUrl("join", { meet: meetId }), location.href).href;
}

export const params = () => new URLSearchParams(location.search);

/** The meet id in this page's URL (<base>console/meets/<id>/...), as the server accepts it
 * (spaces and dashes allowed), or null. The page shell is the same for every meet: the
 * offline worker keeps one per page kind. */
export function pageMeetId() {
  const match = /^console\/meets\/([^/]+)/.exec(location.pathname.slice(base.length));
  if (!match) return null;
  let text;
  try {
    text = decodeURIComponent(match[1]);
  } catch {
    return null;
  }
  const compact = text.replace(/[\s-]/g, "");
  return /^[0-9]{9}$/.test(compact) ? compact : null;
}

/** The location this page acts as: ?location=, else the one this browser used last for the meet. */
export function pageLocation(meetId) {
  const asked = params().get("location");
  if (asked) return asked;
  const mine = savedMeets().filter((m) => m.meetId === meetId).sort((a, b) => b.at - a.at);
  return mine.length ? mine[0].location : null;
}

/** Open the meet of this page with the session saved in this browser (no password, offline
 * too), and keep the status bar up to date. */
export async function openMeet() {
  const meetId = pageMeetId();
  if (!meetId) {
    showError("This address holds no meet id: open the meet from the console's home page.");
    return new Promise(() => {});
  }
  document.body.dataset.meet = meetId;
  for (const el of $$("[data-page-meet-id]")) el.textContent = displayMeetId(meetId);
  document.title = `${document.title} · ${displayMeetId(meetId)}`;
  const where = pageLocation(meetId);
  if (!where) {
    location.replace(consoleUrl("join", { meet: meetId }));
    return new Promise(() => {});
  }
  const client = await LiveClient.open({ location: where });
  try {
    await client.resume(meetId);
  } catch (error) {
    client.close();
    location.replace(consoleUrl("join", { meet: meetId, location: where }));
    return new Promise(() => {});
  }
  bindStatus(client);
  const name = client.state?.meet?.name;
  rememberMeet({ meetId, location: where, name: typeof name === "string" ? name : "", displayKey: client.displayKey });
  for (const el of $$("[data-location]")) el.textContent = `as ${where}`;
  window.__console = client; // for the browser tests and for a curious technician
  return client;
}

function describe(value) {
  if (value === undefined) return "(not sent: the page reloads it)";
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

const FIELD_NAMES = {
  bodyweightKg: "bodyweight", lot: "lot", squatRackInfo: "squat rack", benchRackInfo: "bench rack",
  squatKg: "squat", benchKg: "bench", deadliftKg: "deadlift",
  squatStatus: "squat result", benchStatus: "bench result", deadliftStatus: "deadlift result",
};

/** What a key means to a person: "Magnus Halvorsen · squat 2" for an attempt cell. */
export function describeKey(state, key) {
  const match = /^registration\.entries\[(\d+)\]\.(\w+)(?:\[(\d+)\])?$/.exec(key);
  if (match) {
    const entry = entriesOf(state)[Number(match[1])];
    const field = FIELD_NAMES[match[2]] ?? match[2];
    const cell = match[3] === undefined ? "" : ` ${Number(match[3]) + 1}`;
    return `${entry?.name || "a lifter"} · ${field}${cell}`;
  }
  if (key.startsWith("live.lifting.")) return "the platform's flight, lift and overrides";
  return key;
}

/** Connection state, edits waiting and every rejected edit, always on screen. */
export function bindStatus(client) {
  const conn = $(".c-conn");
  const waiting = $("[data-waiting]");
  const rejectedCount = $("[data-rejected]");
  const rejectedLink = $(".c-rejected");
  const list = $("[data-rejections]");
  const panel = $("#rejections");
  let rejected = 0;
  let retrying = false; // the error shown says edits are being sent again: gone once none wait
  const refresh = () => {
    if (retrying && client.pendingCount === 0) {
      retrying = false;
      showError("");
    }
    conn.dataset.status = client.status;
    conn.textContent = STATUS_TEXT[client.status] ?? client.status;
    waiting.textContent = String(client.pendingCount);
    document.body.dataset.connection = client.status;
    document.body.dataset.editsWaiting = String(client.pendingCount);
  };
  client.on("status", refresh);
  client.on("change", refresh);
  // An ACK changes no value on screen, only the count of edits waiting.
  setInterval(refresh, 250);
  client.on("rejected", ({ key, value, serverValue, reason, conflict }) => {
    rejected += 1;
    rejectedCount.textContent = String(rejected);
    rejectedLink.dataset.rejectedCount = String(rejected);
    const item = document.createElement("li");
    const when = new Date().toLocaleTimeString();
    item.innerHTML = `<b></b> <span></span> <code></code>: yours <code></code>, the server's <code></code>`;
    const [kind, what, keyEl, mine, theirs] = item.children;
    kind.textContent = `${when} ${conflict ? "conflict" : "refused"}${reason ? ` (${reason})` : ""}`;
    what.textContent = describeKey(client.state, key);
    keyEl.textContent = key;
    mine.textContent = describe(value);
    theirs.textContent = describe(serverValue);
    list.prepend(item);
    panel.hidden = false;
  });
  client.on("error", ({ reason, retry }) => {
    retrying = retry === true;
    showError(reason);
  });
  refresh();
}

// ---- the edits pages make -----------------------------------------------------------------

export function entriesOf(state) {
  const entries = state?.registration?.entries;
  return Array.isArray(entries) ? entries : [];
}

/** Index of the entry with this id in the state the user sees, or -1. */
export function entryIndex(state, entryId) {
  return entriesOf(state).findIndex((e) => e && e.id === entryId);
}

/** One field of one entry (or one cell of an attempt array with `cell`): the narrowest key. */
export function editEntry(client, entryId, field, value, cell = null) {
  const index = entryIndex(client.state, entryId);
  if (index < 0) {
    showError("That lifter is no longer in the meet.");
    return null;
  }
  const key = `registration.entries[${index}].${field}${cell === null ? "" : `[${cell}]`}`;
  return client.edit(key, value);
}

/** A number typed in the meet's unit, stored in kg; null for an empty box, NaN when unreadable. */
export function parseWeight(text, inKg) {
  const clean = String(text).trim().replace(",", ".");
  if (clean === "") return null;
  const n = Number(clean);
  if (!Number.isFinite(n) || n < 0 || n > 2000) return NaN;
  return inKg ? n : lbs2kg(n);
}

/** Say so when a create or join cannot reach the server: it goes out once it can. */
export function whileConnecting(client, button) {
  const label = button.textContent;
  const timer = setTimeout(() => {
    if (client.status !== "online") button.textContent = "Waiting for the server…";
  }, 1500);
  return () => {
    clearTimeout(timer);
    button.textContent = label;
  };
}

const MAX_DAYS = 14;
const MAX_PLATFORMS = 16;

/** Every (day, platform) the meet setup declares (OpenLifter's lengthDays and platformsOnDays). */
export function platformsOf(meet) {
  const days = Number.isInteger(meet?.lengthDays) && meet.lengthDays > 0 ? Math.min(meet.lengthDays, MAX_DAYS) : 1;
  const perDay = Array.isArray(meet?.platformsOnDays) ? meet.platformsOnDays : [1];
  const out = [];
  for (let day = 1; day <= days; day++) {
    const count = Number.isInteger(perDay[day - 1]) && perDay[day - 1] > 0 ? Math.min(perDay[day - 1], MAX_PLATFORMS) : 1;
    for (let platform = 1; platform <= count; platform++) out.push({ day, platform, days });
  }
  return out;
}

export function markReady() {
  document.body.dataset.ready = "1";
}
