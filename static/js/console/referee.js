// A referee's phone: one of the three chairs (left, head, right) of a platform. The page
// follows the platform's lifting order (rules.js, as the table does, so it keeps working
// offline) and sends this chair's decision for the current attempt as
// live.decisions.d<day>p<platform>.<position> (lights.js). Each chair writes only its own
// key, so three referees never conflict.

import { $, markReady, openMeet } from "./common.js";
import { POSITIONS, decisionKey, decisionsFor } from "./lights.js";
import { LIFT_NAMES, displayWeight, kg2lbs, platformProgress } from "./rules.js";

const query = new URLSearchParams(location.search);
const positive = (text) => (/^[1-9][0-9]{0,3}$/.test(text ?? "") ? Number(text) : 1);
const DAY = positive(query.get("day"));
const PLATFORM = positive(query.get("platform"));
const CARDS_KEY = "openlifter-live.refereeCards";
const client = await openMeet();
let position = POSITIONS.includes(query.get("position")) ? query.get("position") : null;

function judged() {
  const progress = platformProgress(client.state, DAY, PLATFORM);
  if (!progress.current || progress.attempt < 1) return null;
  const { inKg } = progress.meet;
  const weight = `${displayWeight(inKg ? progress.currentKg : kg2lbs(progress.currentKg))} ${inKg ? "kg" : "lb"}`;
  return { entryId: progress.current.id, lift: progress.lifting.lift, attempt: progress.attempt, name: progress.current.name, weight };
}

function render() {
  $("[data-position-picker]").hidden = position !== null;
  $("[data-referee]").hidden = position === null;
  $("[data-where]").textContent = `Referee ${position ?? ""} · Day ${DAY} · Platform ${PLATFORM}`;
  const cards = localStorage.getItem(CARDS_KEY) === "1" || query.get("cards") === "1";
  $("[data-ref-use-cards]").checked = cards;
  $("[data-ref-buttons]").hidden = cards;
  $("[data-ref-cards]").hidden = !cards;
  const attempt = judged();
  $("[data-ref-name]").textContent = attempt ? attempt.name || "Unnamed lifter" : "Waiting for a lifter";
  $("[data-ref-attempt]").textContent = attempt ? `${LIFT_NAMES[attempt.lift]} ${attempt.attempt} · ${attempt.weight}` : "";
  const mine = attempt && position ? decisionsFor(client.state, DAY, PLATFORM, attempt)[POSITIONS.indexOf(position)] : null;
  const sent = $("[data-ref-sent]");
  sent.textContent = mine ? `Sent: ${mine.decision === "good" ? "white" : mine.card ? `${mine.card} card` : "red"}` : "";
  document.body.dataset.refereeDecision = mine ? mine.decision : "";
  document.body.dataset.refereeJudging = attempt ? `${attempt.entryId}/${attempt.lift}/${attempt.attempt}` : "";
  for (const button of document.querySelectorAll("[data-decide]")) {
    button.disabled = !attempt;
    button.classList.toggle("is-chosen", Boolean(mine) && mine.decision === button.dataset.decide && (mine.card ?? null) === (button.dataset.card ?? null));
  }
}

for (const button of document.querySelectorAll("[data-pick]")) {
  button.addEventListener("click", () => {
    position = button.dataset.pick;
    const url = new URL(location.href);
    url.searchParams.set("position", position);
    history.replaceState(null, "", url);
    render();
  });
}
for (const button of document.querySelectorAll("[data-decide]")) {
  button.addEventListener("click", () => {
    const attempt = judged();
    if (!attempt || !position) return;
    const { entryId, lift, attempt: n } = attempt;
    client.edit(decisionKey(DAY, PLATFORM, position), { entryId, lift, attempt: n, decision: button.dataset.decide, card: button.dataset.card ?? null });
  });
}
$("[data-ref-use-cards]").addEventListener("change", (event) => {
  localStorage.setItem(CARDS_KEY, event.target.checked ? "1" : "0");
  render();
});
client.on("change", render);
render();
markReady();
