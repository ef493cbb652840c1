// The attempt clocks of a page ([data-clock], rendered by templates/partials/clock.html or
// set by the scoring table): counts each down in the server's time. The page keeps the
// server's clock offset in <body data-clock-offset> (serverTime of the display feed minus
// the browser's own time), so every screen shows the same second whatever its own clock.
(function () {
  "use strict";
  var TICK_MS = 50;

  function serverNow() {
    var offset = Number(document.body.getAttribute("data-clock-offset") || "0");
    return Date.now() + (isFinite(offset) ? offset : 0);
  }

  function text(ms) {
    var seconds = Math.max(0, Math.ceil(ms / 1000));
    var rest = seconds % 60;
    return Math.floor(seconds / 60) + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function remaining(el, now) {
    var duration = Number(el.getAttribute("data-duration-ms") || "0");
    if (el.getAttribute("data-running") !== "1") return duration;
    return duration - (now - Number(el.getAttribute("data-started-at") || "0"));
  }

  function tick() {
    var now = serverNow();
    var ticked = String(Date.now());
    var clocks = document.querySelectorAll("[data-clock]");
    for (var i = 0; i < clocks.length; i++) {
      var el = clocks[i];
      var left = remaining(el, now);
      var warning = Number(el.getAttribute("data-warning-ms") || "30000");
      // What this tick showed and when (the browser's own ms), for tests and integrations.
      el.setAttribute("data-remaining-ms", String(Math.round(left)));
      el.setAttribute("data-ticked-at", ticked);
      el.classList.toggle("is-warning", left <= warning && left > 0);
      el.classList.toggle("is-expired", left <= 0);
      var shown = el.querySelector("[data-clock-time]");
      var wanted = text(left);
      if (shown && shown.textContent !== wanted) shown.textContent = wanted;
    }
  }

  tick();
  setInterval(tick, TICK_MS);
})();
