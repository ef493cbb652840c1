// A meet's page: its tables, its display URLs, download as .openlifter, and publishing
// with the OpenPowerlifting CSV the server makes (shown before it is sent).

import { $, base, displayIndexUrl, joinUrl, markReady, meetUrl, openMeet, showError } from "./common.js";

const MAX_DAYS = 14;
const MAX_PLATFORMS = 16;
const client = await openMeet();
const meetId = client.meetId;
const where = client.location;

function tablesOf(meet) {
  const days = Number.isInteger(meet?.lengthDays) && meet.lengthDays > 0 ? Math.min(meet.lengthDays, MAX_DAYS) : 1;
  const perDay = Array.isArray(meet?.platformsOnDays) ? meet.platformsOnDays : [1];
  const out = [];
  for (let day = 1; day <= days; day++) {
    const count = Number.isInteger(perDay[day - 1]) && perDay[day - 1] > 0 ? Math.min(perDay[day - 1], MAX_PLATFORMS) : 1;
    for (let platform = 1; platform <= count; platform++) out.push({ day, platform });
  }
  return out;
}

function render() {
  const meet = client.state.meet ?? {};
  for (const el of document.querySelectorAll("[data-meet-name]")) el.textContent = meet.name || "";
  const links = $("[data-table-links]");
  const items = [{ text: "Weigh-in", href: meetUrl(meetId, "weigh-in", where) }];
  for (const { day, platform } of tablesOf(meet)) {
    items.push({ text: `Scoring table · Day ${day} · Platform ${platform}`, href: meetUrl(meetId, "table", where, { day, platform }) });
  }
  links.replaceChildren(...items.map(({ text, href }) => {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = href;
    link.textContent = text;
    item.append(link);
    return item;
  }));
  const display = displayIndexUrl(meetId, client.displayKey);
  $("[data-display-url]").value = display;
  $("[data-display-link]").href = display;
  $("[data-join-url]").value = joinUrl(meetId);
}

/** The meet as OpenLifter saves it: the whole state without the server's `live` subtree. */
function openlifterFile(state) {
  const out = {};
  for (const [slice, value] of Object.entries(state)) {
    if (slice !== "live") out[slice] = value;
  }
  return JSON.stringify(out);
}

$("[data-download]").addEventListener("click", () => {
  const name = (client.state.meet?.name || "Unnamed-Meet").replace(/ /g, "-");
  const blob = new Blob([openlifterFile(client.state)], { type: "application/json" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = `${name}.openlifter`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
});

let previewCsv = null;

function csvTable(text) {
  const table = $("[data-csv-table]");
  table.replaceChildren();
  const lines = text.split("\n");
  let header = true;
  for (const line of lines) {
    if (line === "") {
      header = true;
      continue;
    }
    const row = table.insertRow();
    if (header) row.className = "c-csv-head";
    header = false;
    for (const cell of line.split(",")) row.insertCell().textContent = cell;
  }
}

$("[data-preview]").addEventListener("click", async () => {
  showError("");
  const note = $("[data-csv-note]");
  note.textContent = "Sending this browser's edits first…";
  $("[data-publish-form]").hidden = false;
  await client.flush();
  try {
    const response = await fetch(`${base}meets/${meetId}/api/opl-csv?key=${encodeURIComponent(client.displayKey)}`, { cache: "no-store" });
    if (!response.ok) throw new Error(`the server answered ${response.status}`);
    const body = await response.json();
    previewCsv = body.oplCsv;
    csvTable(previewCsv);
    const behind = body.seq - client.head;
    note.textContent = behind > 0
      ? `Made from the server's meet at update ${body.seq}; this browser has ${client.head} so far: look again in a moment.`
      : `Made by the server from the meet at update ${body.seq}, with OpenLifter's export rules. Check places, DQs and guests.`;
    document.body.dataset.csvSeq = String(body.seq);
  } catch (error) {
    previewCsv = null;
    note.textContent = "";
    showError(`Cannot make the CSV now (${error.message}); publishing needs the server.`);
  }
});

$("[data-publish]").addEventListener("submit", async (event) => {
  event.preventDefault();
  showError("");
  if (previewCsv === null) {
    showError("Show the CSV first: it is what will be sent.");
    return;
  }
  const result = $("[data-publish-result]");
  try {
    await client.publish({ returnEmail: event.target.email.value.trim(), oplCsv: previewCsv });
    result.textContent = "Published: the CSV and the e-mail are stored; the meet takes no more changes.";
    document.body.dataset.published = "1";
  } catch (error) {
    showError(`Not published: ${error.reason || error.message}`);
  }
});

client.on("change", render);
render();
markReady();
