// Referee decisions of a platform, shared as live.decisions.d<day>p<platform>.<position>
// ({entryId, lift, attempt, decision: "good" | "bad", card}); openlifter/views/lights.py
// reads them for the displays with the same rule: the lights show once all three
// referees have decided on the same attempt.

import { platformLiftingKey } from "./rules.js";

export const POSITIONS = ["left", "head", "right"];
export const CARDS = ["red", "blue", "yellow"];

export const decisionKey = (day, platform, position) => `live.decisions.${platformLiftingKey(day, platform)}.${position}`;

/** The three decisions for one attempt ({entryId, lift, attempt}), in POSITIONS order (null: not in). */
export function decisionsFor(state, day, platform, attempt) {
  const shared = state?.live?.decisions?.[platformLiftingKey(day, platform)];
  return POSITIONS.map((position) => {
    const d = shared && typeof shared === "object" ? shared[position] : null;
    const ok = d && typeof d === "object" && d.entryId === attempt.entryId && d.lift === attempt.lift && d.attempt === attempt.attempt;
    return ok && (d.decision === "good" || d.decision === "bad") ? d : null;
  });
}

/** "good" or "bad" once all three are in, else null. */
export function majorityOf(decisions) {
  if (decisions.some((d) => d === null)) return null;
  return decisions.filter((d) => d.decision === "good").length >= 2 ? "good" : "bad";
}

/** Fill a .lights box (three .light spans) with the decisions: shown only when all are in. */
export function drawLights(box, decisions) {
  const complete = decisions.every((d) => d !== null);
  box.dataset.complete = complete ? "1" : "0";
  box.dataset.majority = complete ? majorityOf(decisions) : "";
  box.querySelectorAll(".light").forEach((light, i) => {
    const d = decisions[i];
    light.className = `light light-${POSITIONS[i]}${complete ? ` is-${d.decision}` : d ? " is-decided" : ""}`;
    light.dataset.decision = complete ? d.decision : "";
  });
}
