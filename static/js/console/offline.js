// Every console page registers the offline worker (<base>console/sw.js, scope
// <base>console/): it keeps the page shells and their static files in the browser, so a
// console page loads with no network too (docs/console.md, "Offline"). Browsers allow
// workers only on https (or on localhost); elsewhere the pages still run, but a reload
// needs the server.

const base = document.body.dataset.base || "/";

async function register() {
  if (!("serviceWorker" in navigator)) {
    document.body.dataset.offlineWorker = "unavailable";
    return;
  }
  try {
    await navigator.serviceWorker.register(`${base}console/sw.js`, { scope: `${base}console/` });
    await navigator.serviceWorker.ready;
    document.body.dataset.offlineWorker = "ready";
  } catch (error) {
    // Offline, the browser keeps the worker it has; a failed update changes nothing here.
    document.body.dataset.offlineWorker = navigator.serviceWorker.controller ? "ready" : "failed";
    console.warn(`offline worker: ${error}`);
  }
}

register();
