// Draws a bar load (rules.js selectPlates) as the loaders see it: bar, plates heaviest
// innermost, collar; plates already on the bar faded; the unloadable rest as "?x".
// Heights follow OpenLifter's BarLoad.module.scss (and openlifter/rules/barload.py).

import { displayWeight } from "./rules.js";

const KG_HEIGHTS = new Map([[50, 100], [25, 100], [20, 100], [15, 90], [10, 80], [5, 70], [2.5, 60], [1.25, 50], [1, 45], [0.75, 40], [0.5, 30], [0.25, 20]]);
const LBS_HEIGHTS = new Map([[100, 100], [55, 100], [45, 100], [35, 90], [25, 80], [10, 70], [5, 60], [2.5, 50], [1.25, 40], [0.5, 30]]);
const FRACTIONS = new Map([[1.25, "1¼"], [0.75, "¾"], [0.5, "½"], [0.25, "¼"]]);
const LIGHT = new Set(["#FFFFFF", "#FFEF2A"]);
const UNKNOWN_HEIGHT = 18;

export function drawPlates(box, loading, inKg, maxHeightPx) {
  const heights = inKg ? KG_HEIGHTS : LBS_HEIGHTS;
  const parts = [];
  const stub = document.createElement("span");
  stub.className = "c-bar";
  parts.push(stub);
  for (const plate of loading) {
    const el = document.createElement("span");
    el.className = "c-plate";
    if (plate.weightAny < 0) {
      el.classList.add("is-error");
      el.textContent = `?${displayWeight(-plate.weightAny)}`;
      el.title = "cannot be loaded with the meet's plates";
    } else {
      const percent = heights.get(plate.weightAny) ?? UNKNOWN_HEIGHT;
      el.style.height = `${Math.round((maxHeightPx * percent) / 100)}px`;
      el.style.background = /^#[0-9A-Fa-f]{3,8}$/.test(plate.color) ? plate.color : "#575757";
      if (LIGHT.has(plate.color)) el.style.color = "#232323";
      if (plate.color === "#FFFFFF") el.style.border = "1.5px solid #232323";
      if (plate.isAlreadyLoaded) el.classList.add("is-loaded");
      el.textContent = FRACTIONS.get(plate.weightAny) ?? displayWeight(plate.weightAny);
    }
    parts.push(el);
  }
  const collar = document.createElement("span");
  collar.className = "c-collar";
  const rest = document.createElement("span");
  rest.className = "c-bar";
  parts.push(collar, rest);
  box.replaceChildren(...parts);
  box.dataset.plates = loading.map((p) => p.weightAny).join(" ");
}
