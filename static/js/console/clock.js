// The attempt clock of a scoring table's platform, shared as live.clock.d<day>p<platform>
// ({startedAt, durationMs, running}, server time; openlifter/views/clock.py reads it for the
// displays). Server time: the display feed's frames carry serverTime; the table follows a
// tiny variant of it (the overlay's clock part) and keeps the offset in
// <body data-clock-offset>, where /static/clock.js, which counts every [data-clock] down,
// reads it. Offline, the last offset stays.

import { $ } from "./common.js";
import { platformLiftingKey } from "./rules.js";

export const ATTEMPT_CLOCK_MS = 60_000;
const SECOND_CLOCK_KEY = "openlifter-live.secondClockSeconds";
const DEFAULT_SECOND_CLOCK_S = 120;

const serverNow = () => Date.now() + (Number(document.body.dataset.clockOffset) || 0);

function clockKey(day, platform) {
  return `live.clock.${platformLiftingKey(day, platform)}`;
}

/** The platform's clock as shared, or a stopped one-minute clock. */
export function clockOf(state, day, platform) {
  const raw = state?.live?.clock?.[platformLiftingKey(day, platform)];
  const ok = raw && typeof raw === "object" && Number.isFinite(raw.durationMs) && raw.durationMs >= 0;
  if (!ok) return { startedAt: null, durationMs: ATTEMPT_CLOCK_MS, running: false };
  const running = raw.running === true && Number.isFinite(raw.startedAt);
  return { startedAt: running ? raw.startedAt : null, durationMs: raw.durationMs, running };
}

export function remainingMs(clock, now = serverNow()) {
  return clock.running ? clock.durationMs - (now - clock.startedAt) : clock.durationMs;
}

function followServerTime(meetId, displayKey, day, platform) {
  if (!displayKey) return;
  let delay = 500;
  const base = document.body.dataset.base || "/";
  const query = new URLSearchParams({ key: displayKey, view: "overlay", parts: "clock", day, platform });
  const connect = () => {
    const socket = new WebSocket(new URL(`${base}meets/${meetId}/feed?${query}`, location.href).href.replace(/^http/, "ws"));
    socket.onmessage = (event) => {
      delay = 500;
      const frame = JSON.parse(event.data);
      if (typeof frame.serverTime === "number") document.body.dataset.clockOffset = String(frame.serverTime - Date.now());
    };
    socket.onclose = () => {
      setTimeout(connect, delay * (0.75 + Math.random() * 0.5));
      delay = Math.min(15_000, delay * 2);
    };
  };
  connect();
}

/** Start / Stop / Reset buttons and the clock face of the table; ``render`` after each change. */
export function bindClock(client, day, platform) {
  const face = $("[data-clock]");
  const secondInput = $("[data-second-clock]");
  secondInput.value = localStorage.getItem(SECOND_CLOCK_KEY) || String(DEFAULT_SECOND_CLOCK_S);
  const set = (clock) => client.edit(clockKey(day, platform), clock);
  const now = () => clockOf(client.state, day, platform);
  $("[data-clock-start]").addEventListener("click", () => {
    const clock = now();
    if (!clock.running) set({ startedAt: Math.round(serverNow()), durationMs: Math.max(0, remainingMs(clock)), running: true });
  });
  $("[data-clock-stop]").addEventListener("click", () => {
    const clock = now();
    if (clock.running) set({ startedAt: null, durationMs: Math.max(0, Math.round(remainingMs(clock))), running: false });
  });
  $("[data-clock-reset]").addEventListener("click", () => set({ startedAt: null, durationMs: ATTEMPT_CLOCK_MS, running: false }));
  $("[data-clock-second]").addEventListener("click", () => {
    const seconds = Number(secondInput.value);
    if (!Number.isFinite(seconds) || seconds < 1 || seconds > 3600) {
      secondInput.setCustomValidity("1 to 3600 seconds");
      secondInput.reportValidity();
      return;
    }
    secondInput.setCustomValidity("");
    localStorage.setItem(SECOND_CLOCK_KEY, String(seconds));
    set({ startedAt: null, durationMs: Math.round(seconds * 1000), running: false });
  });
  followServerTime(document.body.dataset.meet, client.displayKey, day, platform);
  return function render() {
    const clock = now();
    face.dataset.running = clock.running ? "1" : "0";
    face.dataset.startedAt = clock.running ? String(clock.startedAt) : "";
    face.dataset.durationMs = String(clock.durationMs);
    face.classList.toggle("is-running", clock.running);
    $("[data-clock-start]").disabled = clock.running;
    $("[data-clock-stop]").disabled = !clock.running;
  };
}
